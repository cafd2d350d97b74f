import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTreeToDirectory } from '../src/machines/file-tree-disk.js';
import { defaultServerDescription } from '../src/synthetic/default-server.js';
import { parseSyntheticDescription, type SyntheticDescription } from '../src/synthetic/description.js';
import { syntheticLayout } from '../src/synthetic/layout.js';
import { buildSyntheticTree } from '../src/synthetic/tree.js';

/**
 * hwloc's own Linux backend reads a synthetic tree as if it were a machine root: an
 * independent check that the files are where, and as, the kernel writes them. The x86
 * backend is off because it would ask this computer's CPUs instead of the tree.
 */

interface HwlocObject {
  type: string;
  attrs: Record<string, string>;
  children: HwlocObject[];
  parent: HwlocObject | null;
}

/** The object tree of `lstopo --of xml` (only <object> elements matter here). */
function parseHwlocXml(xml: string): HwlocObject {
  const root: HwlocObject = { type: 'root', attrs: {}, children: [], parent: null };
  let current = root;
  for (const m of xml.matchAll(/<object\b([^>]*?)(\/?)>|<\/object>/g)) {
    if (m[0] === '</object>') {
      current = current.parent!;
      continue;
    }
    const attrs = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!]));
    const object: HwlocObject = { type: attrs['type']!, attrs, children: [], parent: current };
    current.children.push(object);
    if (m[2] !== '/') current = object;
  }
  return root;
}

function all(root: HwlocObject, type: string): HwlocObject[] {
  const out: HwlocObject[] = [];
  const visit = (o: HwlocObject) => {
    if (o.type === type) out.push(o);
    o.children.forEach(visit);
  };
  visit(root);
  return out;
}

/** hwloc bitmaps: comma-separated 32-bit hex groups, most significant first ("0xffffffff,0x0000000f"). */
function bitmap(text: string): number[] {
  const bits: number[] = [];
  text
    .split(',')
    .reverse()
    .forEach((group, g) => {
      const value = parseInt(group.replace(/^0x/, ''), 16);
      for (let b = 0; b < 32; b++) if ((value >>> b) & 1) bits.push(g * 32 + b);
    });
  return bits;
}

const scratch = fs.mkdtempSync(nodePath.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'parker-hwloc-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function lstopo(d: SyntheticDescription, name: string): HwlocObject {
  const dir = nodePath.join(scratch, name);
  writeTreeToDirectory(buildSyntheticTree(d), dir);
  const run = spawnSync('lstopo', ['--whole-system', '--of', 'xml', '-'], {
    env: { ...process.env, HWLOC_FSROOT: dir, HWLOC_COMPONENTS: 'linux,-x86' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error !== undefined) {
    throw new Error(
      `cannot run lstopo (${run.error.message}): this test needs hwloc's lstopo on PATH; install it with "apt-get install hwloc-nox"`,
    );
  }
  expect(run.status, run.stderr).toBe(0);
  return parseHwlocXml(run.stdout);
}

const counts = (root: HwlocObject) =>
  Object.fromEntries(['Package', 'NUMANode', 'L3Cache', 'Core', 'PU'].map((type) => [type, all(root, type).length]));
const osIndexes = (objects: HwlocObject[]) => objects.map((o) => Number(o.attrs['os_index'])).sort((a, b) => a - b);
const cpusetOf = (o: HwlocObject) => bitmap(o.attrs['cpuset']!);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sortSets = (sets: number[][]) => [...sets].sort((a, b) => a[0]! - b[0]!);

describe('hwloc reads a synthetic tree as the described machine', () => {
  it('the default server', () => {
    const d = defaultServerDescription();
    const layout = syntheticLayout(d);
    const root = lstopo(d, 'default-server');
    expect(counts(root)).toEqual({ Package: 2, NUMANode: 4, L3Cache: 16, Core: 128, PU: 256 });
    expect(osIndexes(all(root, 'PU'))).toEqual(range(256));
    expect(osIndexes(all(root, 'NUMANode'))).toEqual([0, 1, 2, 3]);

    const packages = all(root, 'Package').sort((a, b) => cpusetOf(a)[0]! - cpusetOf(b)[0]!);
    expect(packages.map(cpusetOf)).toEqual([
      [...range(64), ...range(64).map((i) => i + 128)],
      [...range(64).map((i) => i + 64), ...range(64).map((i) => i + 192)],
    ]);
    const nodes = all(root, 'NUMANode').sort((a, b) => Number(a.attrs['os_index']) - Number(b.attrs['os_index']));
    expect(nodes.map(cpusetOf)).toEqual(layout.nodes.map((n) => n.cpus));
    expect(nodes.map((n) => n.attrs['local_memory'])).toEqual(['68719476736', '68719476736', '68719476736', '68719476736']);
    expect(sortSets(all(root, 'Core').map(cpusetOf))).toEqual(range(128).map((i) => [i, i + 128]));
    expect(sortSets(all(root, 'L3Cache').map(cpusetOf))).toEqual(layout.groups.l3);

    // PCI functions hwloc keeps by default (storage and network), each under its node's CPUs.
    const devices = all(root, 'PCIDev');
    expect(devices.map((o) => o.attrs['pci_busid']).sort()).toEqual([
      '0000:00:02.0',
      '0000:01:00.0',
      '0000:40:01.0',
      '0000:40:02.0',
      '0000:80:01.0',
      '0000:80:02.0',
      '0000:c0:01.0',
      '0000:c0:02.0',
      '0000:c0:03.0',
      '0000:c0:03.1',
      '0001:00:01.0',
    ]);
    for (const device of devices) {
      let above = device.parent!;
      while (above.attrs['cpuset'] === undefined) above = above.parent!;
      const expected = layout.pci.find((p) => p.address === device.attrs['pci_busid'])!;
      expect([device.attrs['pci_busid'], cpusetOf(above)]).toEqual([expected.address, layout.nodes[expected.node!]!.cpus]);
    }
    const bridge = all(root, 'Bridge').find((o) => o.attrs['pci_busid'] === '0000:00:01.0')!;
    expect(bridge.attrs['bridge_pci']).toBe('0000:[01-01]');
    expect(bridge.children.map((o) => o.attrs['pci_busid'])).toEqual(['0000:01:00.0']);
    // Gen4 x4: 16 GT/s * 4 lanes * 128/130 encoding / 8 bits = 7.88 GB/s.
    expect(Number(devices.find((o) => o.attrs['pci_busid'] === '0000:01:00.0')!.attrs['pci_link_speed'])).toBeCloseTo(7.877, 3);
  });

  it('a small machine: one package, two cores, two threads each', () => {
    const root = lstopo(parseSyntheticDescription('pack:1 core:2 pu:2'), 'small');
    expect(counts(root)).toEqual({ Package: 1, NUMANode: 1, L3Cache: 1, Core: 2, PU: 4 });
    expect(osIndexes(all(root, 'PU'))).toEqual([0, 1, 2, 3]);
    expect(osIndexes(all(root, 'NUMANode'))).toEqual([0]);
    expect(sortSets(all(root, 'Core').map(cpusetOf))).toEqual([
      [0, 2],
      [1, 3],
    ]);
    expect(all(root, 'NUMANode')[0]!.attrs['local_memory']).toBe(String(16 * 2 ** 30));
  });

  it('roundrobin numbering, dies and a memory-only node', () => {
    const d = parseSyntheticDescription('pack:2 die:2 core:2 pu:2 numbering:roundrobin memnodes:1 memnode-mem:8G');
    const root = lstopo(d, 'roundrobin');
    expect(counts(root)).toEqual({ Package: 2, NUMANode: 5, L3Cache: 4, Core: 8, PU: 16 });
    expect(all(root, 'Die')).toHaveLength(4);
    expect(osIndexes(all(root, 'NUMANode'))).toEqual([0, 1, 2, 3, 4]);
    const packages = all(root, 'Package').sort((a, b) => cpusetOf(a)[0]! - cpusetOf(b)[0]!);
    expect(packages.map(cpusetOf)).toEqual([
      [0, 2, 4, 6, 8, 10, 12, 14],
      [1, 3, 5, 7, 9, 11, 13, 15],
    ]);
    const memoryOnly = all(root, 'NUMANode').find((o) => o.attrs['os_index'] === '4')!;
    expect(memoryOnly.attrs['local_memory']).toBe(String(8 * 2 ** 30));
  });
});
