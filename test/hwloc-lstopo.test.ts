import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Topology } from '../src/topology/model.js';
import { runCli } from './run-cli.js';
import type { TreeFs } from '../src/machines/file-tree.js';
import type { Machine } from '../src/machines/machine.js';
import { discover } from '../src/topology/discover.js';
import { hwlocXmlMachine } from '../src/hwloc/hwloc-import.js';
import { arm64Clusters } from './fixtures/arm64-clusters.js';
import { hybridCacheIndexes } from './fixtures/hybrid-cache-indexes.js';
import { laptop1NodeSmt } from './fixtures/laptop-1node-smt.js';
import { lstopoKnowsPackageIds, lstopoOfTree, viewOfLstopo, viewOfTopology, writeTree } from './fixtures/lstopo-view.js';
import { memoryOnlyNode } from './fixtures/memory-only-node.js';
import { offlineCpus } from './fixtures/offline-cpus.js';
import { twoSocketRoundRobin } from './fixtures/two-socket-roundrobin.js';
import { VINTAGE_MACHINES } from './fixtures/vintage-machines.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-hwloc-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function lstopo(xmlFile: string): string {
  try {
    return execFileSync('lstopo', ['-i', xmlFile, '--of', 'xml', '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('lstopo is not installed: apt-get install hwloc-nox (CI installs it)');
    throw e;
  }
}

/** os_index of every object of a type, in document order, as lstopo wrote them back. */
function osIndexes(xml: string, type: string): number[] {
  return [...xml.matchAll(new RegExp(`<object type="${type}"[^>]*os_index="(\\d+)"`, 'g'))].map((m) => Number(m[1])).sort((a, b) => a - b);
}

const count = (xml: string, type: string) => [...xml.matchAll(new RegExp(`<object type="${type}"`, 'g'))].length;

describe('parker discover -o hwloc, read by the real lstopo', () => {
  const machines: [string, string[]][] = [
    ['the simulated default server', ['--machine', 'sim']],
    ['the QEMU snapshot', ['--from', 'test/fixtures/qemu-q35-2node.tar.gz']],
    ['a synthetic machine with dies and a memory-only node', ['--synthetic', 'pack:2 die:2 numa:1 l3:1 core:3 pu:2 mem:4G memnodes:1 memnode-mem:8G']],
  ];
  for (const [name, flags] of machines) {
    it(`reports the same packages, NUMA nodes, L3s, cores and PUs for ${name}`, async () => {
      const t = JSON.parse((await runCli('discover', ...flags, '-o', 'json')).stdout) as Topology;
      const xml = (await runCli('discover', ...flags, '-o', 'hwloc')).stdout;
      const file = path.join(tmp, `${name.replace(/\W+/g, '-')}.xml`);
      fs.writeFileSync(file, xml);
      const back = lstopo(file);
      expect(osIndexes(back, 'Package')).toEqual(t.packages.map((p) => p.id).sort((a, b) => a - b));
      expect(osIndexes(back, 'NUMANode')).toEqual(t.nodes.map((n) => n.id).sort((a, b) => a - b));
      expect(osIndexes(back, 'PU')).toEqual(t.cpus.online);
      expect(count(back, 'Core')).toBe(t.cores.length);
      expect(count(back, 'L3Cache')).toBe(t.caches.filter((c) => c.level === 3).length);
    });
  }
});

describe('parker discover and the real lstopo read the same sysfs tree alike', () => {
  // HWLOC_FSROOT=DIR HWLOC_COMPONENTS=linux,-x86 lstopo --whole-system --of xml: packages, NUMA
  // nodes, L3s, cores and PUs, and every PU's package, core and node, for every fixture tree.
  const trees: Record<string, () => Machine> = {
    laptop1NodeSmt,
    twoSocketRoundRobin,
    offlineCpus,
    memoryOnlyNode,
    arm64Clusters,
    hybridCacheIndexes,
    ...VINTAGE_MACHINES,
  };
  for (const [name, make] of Object.entries(trees)) {
    it(name, async () => {
      const machine = make();
      const dir = path.join(tmp, 'trees', name);
      writeTree((machine.fs as TreeFs).tree, dir);
      const xml = await lstopoOfTree(dir);
      fs.writeFileSync(`${dir}.xml`, xml);
      const hwloc = viewOfLstopo(xml);
      const withIds = lstopoKnowsPackageIds(hwloc);
      const expected = { ...hwloc, packages: hwloc.packages.map((p) => ({ ...p, id: withIds ? p.id : null })) };
      expect(hwloc.pus.length).toBeGreaterThan(0);
      expect(viewOfTopology(discover(machine), withIds)).toEqual(expected);
      // And lstopo's XML of the tree, read back by discover -i, describes the same machine.
      expect(viewOfTopology(discover(hwlocXmlMachine(xml, `${name}.xml`)), withIds)).toEqual(expected);
    });
  }
});

describe('parker discover -i / --from with what a user already has', () => {
  it('reads lstopo XML with -i and with --from alike', async () => {
    const dir = path.join(tmp, 'trees', 'threeSockets-cli');
    writeTree((VINTAGE_MACHINES.threeSockets!().fs as TreeFs).tree, dir);
    const file = `${dir}.xml`;
    fs.writeFileSync(file, await lstopoOfTree(dir));
    const byInput = await runCli('discover', '-i', file, '-o', 'json');
    const byFrom = await runCli('discover', '--from', file, '-o', 'json');
    expect(byInput.code).toBe(0);
    expect(byInput.stdout).toBe(byFrom.stdout);
    const t = JSON.parse(byInput.stdout) as Topology;
    // lstopo names this host's architecture when the tree does not say (no proc/hwloc-nofile-info).
    expect(t.machine).toMatchObject({ kind: 'archive', description: `hwloc XML ${file}` });
    expect(t.packages.map((p) => [p.id, p.cpus])).toEqual([
      [0, [0, 1, 2, 9, 10, 11]],
      [1, [3, 4, 5, 12, 13, 14]],
      [2, [6, 7, 8, 15, 16, 17]],
    ]);
    expect(t.nodes.map((n) => [n.id, n.memoryBytes, n.distances])).toEqual([
      [0, 2147483648, { '0': 10, '1': 20, '2': 20 }],
      [1, 2147483648, { '0': 20, '1': 10, '2': 20 }],
      [2, 2147483648, { '0': 20, '1': 20, '2': 10 }],
    ]);
    expect(t.caches.filter((c) => c.level === 3).map((c) => [c.id, c.sizeBytes])).toEqual([
      [0, 16777216],
      [1, 16777216],
      [2, 16777216],
    ]);
    expect((await runCli('discover', '-i', file, '--from', file)).code).toBe(2);
  });

  it('reads an hwloc-gather-topology archive with --from and warns of damaged files on stderr', async () => {
    const archive = await runCli('discover', '--from', 'test/fixtures/hwloc-gather-ia64.tar.bz2', '-o', 'json');
    expect(archive.code).toBe(0);
    expect((JSON.parse(archive.stdout) as Topology).packages).toHaveLength(4);

    const dir = path.join(tmp, 'trees', 'damaged-cli');
    writeTree((VINTAGE_MACHINES.damagedFiles!().fs as TreeFs).tree, dir);
    const damaged = await runCli('discover', '--root', dir, '-o', 'json');
    expect(damaged.code).toBe(0);
    expect(damaged.stderr).toContain('warning: invalid value in sys/devices/system/cpu/cpu1/topology/core_id "abc": expected a decimal number; read as unknown');
    expect((JSON.parse(damaged.stdout) as Topology).warnings).toHaveLength(4);
  });
});
