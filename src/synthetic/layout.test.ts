import { describe, expect, it } from 'vitest';
import { ParkerError } from '../units/parker-error.js';
import { parseSyntheticDescription, type SyntheticPciDevice } from './description.js';
import { cmaAreas, SYNTHETIC_NVME, syntheticLayout } from './layout.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const layoutOf = (text: string) => syntheticLayout(parseSyntheticDescription(text));

describe('CPU numbering', () => {
  it('linux: first threads of every core, then second threads', () => {
    const l = layoutOf('pack:2 core:2 pu:2');
    expect(l.cpus.map((c) => [c.id, c.package, c.core, c.thread])).toEqual([
      [0, 0, 0, 0],
      [1, 0, 1, 0],
      [2, 1, 2, 0],
      [3, 1, 3, 0],
      [4, 0, 0, 1],
      [5, 0, 1, 1],
      [6, 1, 2, 1],
      [7, 1, 3, 1],
    ]);
    expect(l.groups.core).toEqual([
      [0, 4],
      [1, 5],
      [2, 6],
      [3, 7],
    ]);
    expect(l.groups.package).toEqual([
      [0, 1, 4, 5],
      [2, 3, 6, 7],
    ]);
  });

  it('compact: siblings adjacent', () => {
    const l = layoutOf('pack:2 core:2 pu:2 numbering:compact');
    expect(l.groups.core).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
      [6, 7],
    ]);
    expect(l.groups.package).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
  });

  it('roundrobin: CPU n on package n mod P, siblings n and n + N/2', () => {
    const l = layoutOf('pack:3 core:2 pu:2 numbering:roundrobin');
    expect(l.cpus.map((c) => c.package)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);
    expect(l.groups.core).toEqual([
      [0, 6],
      [3, 9],
      [1, 7],
      [4, 10],
      [2, 8],
      [5, 11],
    ]);
  });

  it('core_id is unique within a package and restarts in the next; die_id counts dies in the package', () => {
    const l = layoutOf('pack:2 die:2 core:2 pu:1');
    expect(l.cpus.map((c) => [c.id, c.package, c.die, c.dieIndex, c.coreId])).toEqual([
      [0, 0, 0, 0, 0],
      [1, 0, 0, 0, 1],
      [2, 0, 1, 1, 2],
      [3, 0, 1, 1, 3],
      [4, 1, 0, 2, 0],
      [5, 1, 0, 2, 1],
      [6, 1, 1, 3, 2],
      [7, 1, 1, 3, 3],
    ]);
  });

  it('APIC ids pack thread, core, die and package bits as x86 firmware does', () => {
    // 3 cores per die need 2 bits, 2 threads 1 bit, 2 dies 1 bit: package 1 starts at 16.
    const l = layoutOf('pack:2 die:2 core:3 pu:2 numbering:compact');
    expect(l.cpus.map((c) => c.apicId)).toEqual([
      0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13, 16, 17, 18, 19, 20, 21, 24, 25, 26, 27, 28, 29,
    ]);
  });

  it('L2: one per core without an l2 level, shared by `core` cores with one', () => {
    expect(layoutOf('pack:1 core:4').groups.l2).toEqual([[0], [1], [2], [3]]);
    const shared = layoutOf('pack:1 l3:2 l2:2 core:2');
    expect(shared.groups.l2).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
      [6, 7],
    ]);
    expect(shared.groups.l3).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
  });

  it('nodes follow the hierarchy: the default server puts cores 0-31 and 128-159 on node 0', () => {
    const l = layoutOf('pack:2 numa:2 l3:4 core:8 pu:2');
    expect(l.nodes.map((n) => [n.id, n.package, n.cpus.length, n.cpus[0], n.cpus[32]])).toEqual([
      [0, 0, 64, 0, 128],
      [1, 0, 64, 32, 160],
      [2, 1, 64, 64, 192],
      [3, 1, 64, 96, 224],
    ]);
  });
});

describe('memory layout', () => {
  it('node 0 flows around the legacy and PCI holes; other nodes start on a block boundary', () => {
    const l = layoutOf('pack:2 core:1 mem:64G block:2G');
    expect(l.nodes.map((n) => n.ranges)).toEqual([
      [
        { start: 0x1000, end: 0x9ffff },
        { start: 0x100000, end: 0xbfffffff },
        { start: 0x100000000, end: 0x1040060fff },
      ],
      [{ start: 0x1080000000, end: 0x207fffffff }],
    ]);
    const sum = (ranges: { start: number; end: number }[]) => ranges.reduce((s, r) => s + r.end - r.start + 1, 0);
    expect(l.nodes.map((n) => sum(n.ranges))).toEqual([64 * GiB, 64 * GiB]);
  });

  it('memory blocks: none in the 3G-4G hole, zones by address, no block on two nodes', () => {
    const l = layoutOf('pack:2 core:1 mem:2G block:512M');
    expect(l.blocks.map((b) => [b.index, b.node, b.zone])).toEqual([
      [0, 0, 'none'], // 0-512M holds ZONE_DMA and ZONE_DMA32
      [1, 0, 'DMA32'],
      [2, 0, 'DMA32'],
      [3, 0, 'DMA32'],
      [4, 0, 'DMA32'], // 2G-2.5G: the last bytes pushed up by the legacy holes
      [8, 1, 'Normal'],
      [9, 1, 'Normal'],
      [10, 1, 'Normal'],
      [11, 1, 'Normal'],
    ]);
  });

  it('memory-only nodes come last, in ZONE_MOVABLE, hanging off packages in turn', () => {
    const l = layoutOf('pack:2 core:1 mem:1G block:1G memnodes:3 memnode-mem:2G');
    expect(l.nodes.map((n) => [n.id, n.hasCpu, n.package, n.movable, n.ranges])).toEqual([
      [0, true, 0, false, [{ start: 0x1000, end: 0x9ffff }, { start: 0x100000, end: 0x40060fff }]],
      [1, true, 1, false, [{ start: 4 * GiB, end: 5 * GiB - 1 }]],
      [2, false, 0, true, [{ start: 5 * GiB, end: 7 * GiB - 1 }]],
      [3, false, 1, true, [{ start: 7 * GiB, end: 9 * GiB - 1 }]],
      [4, false, 0, true, [{ start: 9 * GiB, end: 11 * GiB - 1 }]],
    ]);
    expect(l.blocks.filter((b) => b.node >= 2).map((b) => [b.index, b.zone])).toEqual([
      [5, 'Movable'],
      [6, 'Movable'],
      [7, 'Movable'],
      [8, 'Movable'],
      [9, 'Movable'],
      [10, 'Movable'],
    ]);
  });

  it('distances: local, same package, remote, and one more hop to memory-only nodes', () => {
    const l = layoutOf('pack:2 numa:2 core:1 memnodes:2 dist:10,12,32,20');
    expect(l.distances).toEqual([
      [10, 12, 32, 32, 20, 42],
      [12, 10, 32, 32, 22, 42],
      [32, 32, 10, 12, 42, 20],
      [32, 32, 12, 10, 42, 22],
      [20, 22, 42, 42, 10, 52],
      [42, 42, 20, 22, 52, 10],
    ]);
  });
});

describe('the memory block size', () => {
  it('is what Linux picks on bare-metal x86_64 unless the description names one: 128M while RAM ends below 64G, 2G from there', () => {
    // One 16G node: RAM ends at 18G (the 2G hole below 4G). Four: 66G.
    expect(layoutOf('pack:1 core:2 mem:16G').blockSize).toBe(128 * MiB);
    expect(layoutOf('pack:1 numa:3 core:1 mem:20G').blockSize).toBe(128 * MiB);
    expect(layoutOf('pack:1 numa:4 core:1 mem:16G').blockSize).toBe(2 * GiB);
    expect(layoutOf('pack:1 numa:4 core:1 mem:16G block:256M').blockSize).toBe(256 * MiB);
    // With 2G blocks every node starts on a 2G boundary, so no block holds two nodes.
    const l = layoutOf('pack:1 numa:4 core:1 mem:16G');
    for (const n of l.nodes.slice(1)) expect(n.ranges[0]!.start % (2 * GiB)).toBe(0);
    // Node 0's 16G lies at 0-3G and 4G-17G: blocks 0-8; the other nodes' 8 each.
    expect(l.blocks.length).toBe(33);
  });
});

describe('cmaAreas', () => {
  // 128M blocks, so that the node ranges below stay where they are (Linux would pick 2G here).
  const nodes = layoutOf('pack:2 numa:2 core:1 mem:64G block:128M').nodes;

  it('places parker<nid> 1 GiB aligned at the top of each named node', () => {
    expect(cmaAreas('ro parker_cma=0:48G,2:1536M', nodes)).toEqual([
      { name: 'parker0', node: 0, range: { start: 17 * GiB, end: 65 * GiB - 1 } },
      // Node 2 starts at 129.25G (blocks of 128M follow node 0's 65G and node 1's 64G).
      { name: 'parker2', node: 2, range: { start: 191 * GiB, end: 193 * GiB - 1 } },
    ]);
  });

  it('splits a bare size evenly over the nodes, rounding each share up to 1 GiB', () => {
    expect(cmaAreas('parker_cma=10G', nodes).map((a) => [a.name, a.range.end - a.range.start + 1])).toEqual([
      ['parker0', 3 * GiB],
      ['parker1', 3 * GiB],
      ['parker2', 3 * GiB],
      ['parker3', 3 * GiB],
    ]);
  });

  it('takes the last parker_cma= on the line, as the kernel does', () => {
    expect(cmaAreas('parker_cma=0:1G parker_cma=1:2G', nodes).map((a) => a.name)).toEqual(['parker1']);
  });

  it('reserves nothing for malformed values, missing nodes or areas larger than the node', () => {
    expect(cmaAreas('ro quiet', nodes)).toEqual([]);
    expect(cmaAreas('parker_cma=lots', nodes)).toEqual([]);
    expect(cmaAreas('parker_cma=0:4G,x', nodes)).toEqual([]);
    expect(cmaAreas('parker_cma=9:4G,1:200G,3:4G', nodes).map((a) => a.name)).toEqual(['parker3']);
  });
});

describe('PCI devices from nvme:K nic:K', () => {
  it('puts each node’s devices on its own root bus, each in its own IOMMU group', () => {
    const l = layoutOf('pack:2 numa:2 core:1 nvme:1 nic:2');
    expect(l.pci.map((p) => [p.address, p.node, p.iommuGroup, p.driver])).toEqual([
      ['0000:00:01.0', 0, 0, 'nvme'],
      ['0000:00:02.0', 0, 1, 'ice'],
      ['0000:00:03.0', 0, 2, 'ice'],
      ['0000:40:01.0', 1, 3, 'nvme'],
      ['0000:40:02.0', 1, 4, 'ice'],
      ['0000:40:03.0', 1, 5, 'ice'],
      ['0000:80:01.0', 2, 6, 'nvme'],
      ['0000:80:02.0', 2, 7, 'ice'],
      ['0000:80:03.0', 2, 8, 'ice'],
      ['0000:c0:01.0', 3, 9, 'nvme'],
      ['0000:c0:02.0', 3, 10, 'ice'],
      ['0000:c0:03.0', 3, 11, 'ice'],
    ]);
  });

  const device = (address: string, extra: Partial<SyntheticPciDevice> = {}): SyntheticPciDevice => ({
    ...SYNTHETIC_NVME,
    address,
    node: 0,
    iommuGroup: 0,
    parent: null,
    label: `drive at ${address}`,
    ...extra,
  });

  it('refuses two functions at one address', () => {
    const d = { ...parseSyntheticDescription('pack:1 core:1 nvme:1'), pciDevices: [device('0000:00:01.0')] };
    expect(() => syntheticLayout(d)).toThrow(
      new ParkerError(
        'E_SYNTHETIC',
        'PCI address 0000:00:01.0 is taken twice (drive at 0000:00:01.0, NVMe drive 0 of node 0)',
        'give every PCI function its own address',
      ),
    );
  });

  it('takes explicit functions in the short address form, below their bridge', () => {
    const bridge = device('00:01.0', { classCode: 0x060400, driver: 'pcieport', secondaryBus: 1, subordinateBus: 2 });
    const d = { ...parseSyntheticDescription('pack:1 core:1'), pciDevices: [bridge, device('02:00.0', { parent: '00:01.0', iommuGroup: 1 })] };
    expect(syntheticLayout(d).pci.map((p) => [p.address, p.parent])).toEqual([
      ['0000:00:01.0', null],
      ['0000:02:00.0', '0000:00:01.0'],
    ]);
  });

  it('refuses a function on a node that does not exist', () => {
    const d = { ...parseSyntheticDescription('pack:1 core:1'), pciDevices: [device('0000:00:05.0', { node: 1 })] };
    expect(() => syntheticLayout(d)).toThrow('PCI function 0000:00:05.0 (drive at 0000:00:05.0) is on node 1, which does not exist');
  });

  it('refuses a function behind a bridge that does not forward its bus', () => {
    const d = { ...parseSyntheticDescription('pack:1 core:1'), pciDevices: [device('0000:05:00.0', { parent: '0000:00:09.0' })] };
    expect(() => syntheticLayout(d)).toThrow(/PCI function 0000:05:00.0 \(drive at 0000:05:00.0\) is not below bridge 0000:00:09.0/);
  });
});
