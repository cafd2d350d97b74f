import fc from 'fast-check';
import { smallSyntheticDescription } from './fixtures/synthetic-descriptions.js';
import { describe, expect, it } from 'vitest';
import { TreeFs } from '../src/machines/file-tree.js';
import { readOnlyMachine } from '../src/machines/read-only-machine.js';
import { defaultServerDescription } from '../src/synthetic/default-server.js';
import { discover } from '../src/topology/discover.js';
import type { Topology } from '../src/topology/model.js';
import type { PciIds } from '../src/topology/pci-ids.js';
import {
  formatSyntheticDescription,
  parseSyntheticDescription,
  type SyntheticDescription,
} from '../src/synthetic/description.js';
import { syntheticLayout, type SyntheticLayout } from '../src/synthetic/layout.js';
import { buildSyntheticTree } from '../src/synthetic/tree.js';

/** Names are not what this test is about; keep discovery off the pci.ids file. */
const NO_NAMES: PciIds = { vendorName: () => null, deviceName: () => null };
const GiB = 2 ** 30;

function discoverSynthetic(d: SyntheticDescription): Topology {
  const tree = buildSyntheticTree(d);
  return discover(readOnlyMachine(new TreeFs(tree), 'synthetic', formatSyntheticDescription(d)), { pciIds: NO_NAMES });
}

const byFirst = (a: number[], b: number[]) => a[0]! - b[0]!;

/** Everything the description says, checked against what discovery read back. */
function expectDescribedMachine(t: Topology, layout: SyntheticLayout): void {
  const d = layout.description;
  const all = layout.cpus.map((c) => c.id);
  expect(t.cpus).toEqual({ possible: all, present: all, online: all, offline: [] });

  // One comparison for all CPUs: a failure shows every CPU that differs.
  expect(
    t.cpu.map((c) => ({
      id: c.id,
      online: c.online,
      hotpluggable: c.hotpluggable,
      package: c.package,
      die: c.die,
      cluster: c.cluster,
      core: c.core,
      node: c.node,
      threadSiblings: c.threadSiblings,
      llc: c.llc === null ? null : t.caches[c.llc]!.cpus,
    })),
  ).toEqual(
    layout.cpus.map((c) => ({
      id: c.id,
      online: true,
      hotpluggable: c.id !== 0,
      package: c.package,
      die: c.die,
      cluster: c.l2,
      core: c.coreId,
      node: c.node,
      threadSiblings: layout.groups.core[c.core],
      llc: layout.groups.l3[c.l3],
    })),
  );
  expect(t.packages.map((p) => [p.id, p.cpus])).toEqual(layout.groups.package.map((cpus, id) => [id, cpus]));
  expect(t.cores.map((c) => c.cpus).sort(byFirst)).toEqual([...layout.groups.core].sort(byFirst));
  const cachesAt = (level: number, type: string) => t.caches.filter((c) => c.level === level && c.type === type).map((c) => c.cpus).sort(byFirst);
  expect(cachesAt(3, 'Unified')).toEqual([...layout.groups.l3].sort(byFirst));
  expect(cachesAt(2, 'Unified')).toEqual([...layout.groups.l2].sort(byFirst));

  expect(t.nodes).toHaveLength(layout.counts.nodes);
  for (const node of layout.nodes) {
    const found = t.nodes.find((n) => n.id === node.id)!;
    expect(found).toMatchObject({ cpus: node.cpus, memoryBytes: node.memBytes, hasCpu: node.hasCpu, hasMemory: true });
    expect(found.distances).toEqual(Object.fromEntries(layout.distances[node.id]!.map((dist, to) => [String(to), dist])));
  }
  expect(t.memory.totalBytes).toBe(layout.nodes.reduce((sum, n) => sum + n.memBytes, 0));
  expect(t.memory.blockSizeBytes).toBe(layout.blockSize);
  expect(t.memory.blocks.map((b) => [b.index, b.node, b.online, b.zones])).toEqual(
    layout.blocks.map((b) => [b.index, b.node, true, b.zone === 'none' ? [] : [b.zone]]),
  );
  expect(t.memory.systemRam).toEqual(layout.nodes.flatMap((n) => n.ranges).sort((a, b) => a.start - b.start));

  expect(t.pci.map((p) => p.address)).toEqual(layout.pci.map((p) => p.address));
  for (const dev of layout.pci) {
    expect(t.pci.find((p) => p.address === dev.address)).toEqual({
      address: dev.address,
      vendor: dev.vendor,
      device: dev.device,
      vendorName: null,
      deviceName: null,
      classCode: dev.classCode,
      className: expect.any(String),
      node: dev.node,
      iommuGroup: dev.iommuGroup,
      driver: dev.driver,
      enabled: dev.driver !== null,
      msi: dev.msi,
      msix: dev.msixVectors > 0,
      sriov: dev.sriovTotalVfs > 0 ? { totalVfs: dev.sriovTotalVfs, numVfs: 0 } : null,
      bridge: dev.secondaryBus !== undefined,
      parent: dev.parent,
    });
  }
  const pages = (a: SyntheticLayout['cma'][number]) => (a.range.end - a.range.start + 1) / 4096;
  expect(t.cma.map((a) => [a.name, a.totalPages, a.availablePages]).sort()).toEqual(
    layout.cma.map((a) => [a.name, pages(a), pages(a)]).sort(),
  );
  expect(t.kernel).toEqual({ release: '6.1.0-parker', cmdline: d.cmdline });
}

describe('discover() reads a synthetic machine back as described', () => {
  it('the default server', () => {
    const d = defaultServerDescription();
    const t = discoverSynthetic(d);
    expectDescribedMachine(t, syntheticLayout(d));
    // The same facts, spelled out: 256 CPUs, siblings n and n+128, 64 GiB on each of 4 nodes.
    expect(t.cpu).toHaveLength(256);
    expect(t.cpu[5]!.threadSiblings).toEqual([5, 133]);
    expect(t.nodes.map((n) => [n.id, n.memoryBytes, n.cpus.length])).toEqual([
      [0, 64 * GiB, 64],
      [1, 64 * GiB, 64],
      [2, 64 * GiB, 64],
      [3, 64 * GiB, 64],
    ]);
    expect(t.nodes[0]!.distances).toEqual({ '0': 10, '1': 12, '2': 32, '3': 32 });
    expect(t.pci.filter((p) => p.iommuGroup === 9).map((p) => p.address)).toEqual(['0000:c0:03.0', '0000:c0:03.1']);
    expect(t.pci.find((p) => p.address === '0000:01:00.0')!.parent).toBe('0000:00:01.0');
    expect(t.cma.map((a) => a.name)).toEqual(['parker0', 'parker1', 'parker2', 'parker3']);
  });

  it.each([
    'pack:1 core:2 pu:2',
    'pack:2 core:3 pu:2 numbering:roundrobin nvme:1',
    'pack:2 die:2 l3:2 l2:2 core:2 pu:2 numbering:compact mem:4G block:256M memnodes:2 memnode-mem:8G nvme:1 nic:1',
    'pack:3 numa:3 core:1 pu:4 mem:1G block:1G dist:10,15,25,40 memnodes:1 cmdline:"ro parker_cma=6G"',
  ])('%s', (text) => {
    const d = parseSyntheticDescription(text);
    expectDescribedMachine(discoverSynthetic(d), syntheticLayout(d));
  });

  it('roundrobin numbering puts CPU n on package n mod P, with siblings n and n + N/2', () => {
    const t = discoverSynthetic(parseSyntheticDescription('pack:2 core:3 pu:2 numbering:roundrobin'));
    expect(t.cpu.map((c) => c.package)).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
    expect(t.cpu[1]!.threadSiblings).toEqual([1, 7]);
  });

  it('memory-only nodes have memory and no CPUs', () => {
    const t = discoverSynthetic(parseSyntheticDescription('pack:2 core:2 memnodes:2 memnode-mem:8G'));
    expect(t.nodes.map((n) => [n.id, n.hasCpu, n.cpus, n.memoryBytes])).toEqual([
      [0, true, [0, 1], 16 * GiB],
      [1, true, [2, 3], 16 * GiB],
      [2, false, [], 8 * GiB],
      [3, false, [], 8 * GiB],
    ]);
  });

  it('any small description', () => {
    fc.assert(
      fc.property(smallSyntheticDescription, (text) => {
        const d = parseSyntheticDescription(text);
        expectDescribedMachine(discoverSynthetic(d), syntheticLayout(d));
      }),
      { numRuns: 50 },
    );
  });
});
