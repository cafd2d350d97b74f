import * as fs from 'node:fs';
import * as os from 'node:os';
import { describe, expect, it } from 'vitest';
import { DirectoryFs } from '../src/machines/directory-fs.js';
import { FileTree, TreeFs } from '../src/machines/file-tree.js';
import type { KernelFs, Machine } from '../src/machines/machine.js';
import { readOnlyMachine } from '../src/machines/read-only-machine.js';
import { discover } from '../src/topology/discover.js';
import type { Cache, Core, Cpu, MemoryBlock, PciDevice, Topology } from '../src/topology/model.js';
import { formatCpuList } from '../src/units/cpulist.js';
import { VINTAGE_MACHINES, damagedFiles, gpuMemoryNodes, ia64RepeatedPackageIds, power8PackageMinusOne } from './fixtures/vintage-machines.js';
import { parsePciIds } from '../src/topology/pci-ids.js';
import { gatherSnapshot, openSnapshot } from '../src/snapshot/snapshot.js';
import { arm64Clusters } from './fixtures/arm64-clusters.js';
import { hybridCacheIndexes } from './fixtures/hybrid-cache-indexes.js';
import { laptop1NodeSmt } from './fixtures/laptop-1node-smt.js';
import { memoryOnlyNode } from './fixtures/memory-only-node.js';
import { offlineCpus } from './fixtures/offline-cpus.js';
import { PCI_IDS_SAMPLE } from './fixtures/pci-ids-sample.js';
import { twoSocketRoundRobin } from './fixtures/two-socket-roundrobin.js';

// Every expected value below is written out by hand from the fixture's description.

const pciIds = parsePciIds(PCI_IDS_SAMPLE);
const run = (machine: Machine) => discover(machine, { pciIds });

/** An online CPU: [id, hotpluggable, package, die, cluster, core, node, siblings, llc]. */
type OnlineRow = [number, boolean, number, number | null, number | null, number, number | null, number[], number];

function onlineCpu([id, hotpluggable, pkg, die, cluster, core, node, threadSiblings, llc]: OnlineRow): Cpu {
  return { id, online: true, hotpluggable, package: pkg, die, cluster, core, node, threadSiblings, llc };
}

function offlineCpu(id: number, hotpluggable: boolean, node: number | null): Cpu {
  return {
    id,
    online: false,
    hotpluggable,
    package: null,
    die: null,
    cluster: null,
    core: null,
    node,
    threadSiblings: null,
    llc: null,
  };
}

function cache(level: number, type: Cache['type'], sizeBytes: number, id: number | null, cpus: number[]): Cache {
  return { level, type, sizeBytes, id, cpus };
}

function core(pkg: number, die: number | null, cluster: number | null, coreId: number, cpus: number[], node: number): Core {
  return { package: pkg, die, cluster, coreId, cpus, node };
}

function block(
  index: number,
  start: number,
  end: number,
  state: 'online' | 'offline',
  zones: string[],
  removable: boolean,
  node: number | null,
): MemoryBlock {
  return { index, range: { start, end }, state, online: state === 'online', zones, removable, node };
}

/** A PCI function; fields not given are the common case (no names, no SR-IOV, no IOMMU). */
function pci(fields: Partial<PciDevice> & Pick<PciDevice, 'address'>): PciDevice {
  return {
    vendor: null,
    device: null,
    vendorName: null,
    deviceName: null,
    classCode: null,
    className: null,
    node: null,
    iommuGroup: null,
    driver: null,
    enabled: null,
    msi: null,
    msix: null,
    sriov: null,
    bridge: false,
    parent: null,
    ...fields,
  };
}

describe('discover: laptop-1node-smt', () => {
  const t = run(laptop1NodeSmt());

  it('names the machine and kernel', () => {
    expect(t.schema).toBe('parker.topology/v1');
    expect(t.machine).toEqual({ kind: 'synthetic', description: 'laptop-1node-smt fixture', arch: 'x86_64' });
    expect(t.kernel).toEqual({
      release: '6.1.0-18-amd64',
      cmdline: 'BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=UUID=0b5e1d2c ro quiet',
    });
  });

  it('finds 8 online CPUs with siblings n and n+4', () => {
    expect(t.cpus).toEqual({ possible: [0, 1, 2, 3, 4, 5, 6, 7], present: [0, 1, 2, 3, 4, 5, 6, 7], online: [0, 1, 2, 3, 4, 5, 6, 7], offline: [] });
    expect(t.cpu).toEqual(
      (
        [
          [0, false, 0, 0, 0, 0, 0, [0, 4], 8],
          [1, true, 0, 0, 8, 1, 0, [1, 5], 8],
          [2, true, 0, 0, 16, 2, 0, [2, 6], 8],
          [3, true, 0, 0, 24, 3, 0, [3, 7], 8],
          [4, true, 0, 0, 0, 0, 0, [0, 4], 8],
          [5, true, 0, 0, 8, 1, 0, [1, 5], 8],
          [6, true, 0, 0, 16, 2, 0, [2, 6], 8],
          [7, true, 0, 0, 24, 3, 0, [3, 7], 8],
        ] satisfies OnlineRow[]
      ).map(onlineCpu),
    );
  });

  it('groups one package of 4 cores', () => {
    expect(t.packages).toEqual([{ id: 0, cpus: [0, 1, 2, 3, 4, 5, 6, 7], dies: [0], nodes: [0] }]);
    expect(t.cores).toEqual([
      core(0, 0, 0, 0, [0, 4], 0),
      core(0, 0, 8, 1, [1, 5], 0),
      core(0, 0, 16, 2, [2, 6], 0),
      core(0, 0, 24, 3, [3, 7], 0),
    ]);
  });

  it('lists per-core L1d and L2 and one L3, without instruction caches', () => {
    expect(t.caches).toEqual([
      cache(1, 'Data', 49152, 0, [0, 4]),
      cache(1, 'Data', 49152, 1, [1, 5]),
      cache(1, 'Data', 49152, 2, [2, 6]),
      cache(1, 'Data', 49152, 3, [3, 7]),
      cache(2, 'Unified', 1310720, 0, [0, 4]),
      cache(2, 'Unified', 1310720, 1, [1, 5]),
      cache(2, 'Unified', 1310720, 2, [2, 6]),
      cache(2, 'Unified', 1310720, 3, [3, 7]),
      cache(3, 'Unified', 12582912, 0, [0, 1, 2, 3, 4, 5, 6, 7]),
    ]);
  });

  it('has one node and two memory blocks', () => {
    expect(t.nodes).toEqual([
      { id: 0, cpus: [0, 1, 2, 3, 4, 5, 6, 7], memoryBytes: 246796288, distances: { '0': 10 }, hasCpu: true, hasMemory: true },
    ]);
    expect(t.memory).toEqual({
      blockSizeBytes: 134217728,
      blocks: [
        block(0, 0x0, 0x7ffffff, 'online', [], false, 0),
        block(1, 0x8000000, 0xfffffff, 'online', ['DMA32'], true, 0),
      ],
      systemRam: [
        { start: 0x1000, end: 0x9efff },
        { start: 0x100000, end: 0xfe3ffff },
      ],
      reserved: [
        { start: 0x0, end: 0xfff },
        { start: 0x9f000, end: 0xfffff },
        { start: 0xfe40000, end: 0xfffffff },
      ],
      totalBytes: 246796288,
    });
  });

  it('finds the NVMe drive and the Wi-Fi card behind their root ports', () => {
    const rootPort = {
      vendor: 0x8086,
      device: 0xa0b0,
      vendorName: 'Intel Corporation',
      deviceName: 'Tiger Lake-LP PCI Express Root Port #9',
      classCode: 0x060400,
      className: 'PCI bridge',
      driver: 'pcieport',
      enabled: true,
      msi: true,
      msix: false,
      bridge: true,
    };
    expect(t.pci).toEqual([
      pci({
        address: '0000:00:00.0',
        vendor: 0x8086,
        device: 0x9a14,
        vendorName: 'Intel Corporation',
        deviceName: '11th Gen Core Processor Host Bridge/DRAM Registers',
        classCode: 0x060000,
        className: 'Host bridge',
        enabled: false,
        msi: false,
        msix: false,
      }),
      pci({ address: '0000:00:1c.0', ...rootPort }),
      pci({ address: '0000:00:1d.0', ...rootPort }),
      pci({
        address: '0000:01:00.0',
        vendor: 0x8086,
        device: 0x2723,
        vendorName: 'Intel Corporation',
        deviceName: 'Wi-Fi 6 AX200',
        classCode: 0x028000,
        className: 'Network controller',
        driver: 'iwlwifi',
        enabled: true,
        msi: true,
        msix: true,
        parent: '0000:00:1c.0',
      }),
      pci({
        address: '0000:02:00.0',
        vendor: 0x144d,
        device: 0xa808,
        vendorName: 'Samsung Electronics Co Ltd',
        deviceName: 'NVMe SSD Controller SM981/PM981/PM983',
        classCode: 0x010802,
        className: 'Non-Volatile memory controller',
        driver: 'nvme',
        enabled: true,
        msi: true,
        msix: true,
        parent: '0000:00:1d.0',
      }),
    ]);
  });

  it('has no CMA areas and no Parker control fs', () => {
    expect(t.cma).toEqual([]);
    expect(t.parker).toEqual({ controlFs: false, partitions: [] });
  });
});

describe('discover: two-socket-roundrobin', () => {
  const t = run(twoSocketRoundRobin());

  it('puts CPU n on package and node n mod 2, with sibling n+8', () => {
    expect(t.cpus.online).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(t.cpus.offline).toEqual([]);
    expect(t.cpu).toEqual(
      (
        [
          [0, false, 0, 0, null, 0, 0, [0, 8], 16],
          [1, true, 1, 0, null, 0, 1, [1, 9], 17],
          [2, true, 0, 0, null, 1, 0, [2, 10], 16],
          [3, true, 1, 0, null, 1, 1, [3, 11], 17],
          [4, true, 0, 0, null, 2, 0, [4, 12], 16],
          [5, true, 1, 0, null, 2, 1, [5, 13], 17],
          [6, true, 0, 0, null, 3, 0, [6, 14], 16],
          [7, true, 1, 0, null, 3, 1, [7, 15], 17],
          [8, true, 0, 0, null, 0, 0, [0, 8], 16],
          [9, true, 1, 0, null, 0, 1, [1, 9], 17],
          [10, true, 0, 0, null, 1, 0, [2, 10], 16],
          [11, true, 1, 0, null, 1, 1, [3, 11], 17],
          [12, true, 0, 0, null, 2, 0, [4, 12], 16],
          [13, true, 1, 0, null, 2, 1, [5, 13], 17],
          [14, true, 0, 0, null, 3, 0, [6, 14], 16],
          [15, true, 1, 0, null, 3, 1, [7, 15], 17],
        ] satisfies OnlineRow[]
      ).map(onlineCpu),
    );
  });

  it('groups two packages of four cores', () => {
    expect(t.packages).toEqual([
      { id: 0, cpus: [0, 2, 4, 6, 8, 10, 12, 14], dies: [0], nodes: [0] },
      { id: 1, cpus: [1, 3, 5, 7, 9, 11, 13, 15], dies: [0], nodes: [1] },
    ]);
    expect(t.cores).toEqual([
      core(0, 0, null, 0, [0, 8], 0),
      core(0, 0, null, 1, [2, 10], 0),
      core(0, 0, null, 2, [4, 12], 0),
      core(0, 0, null, 3, [6, 14], 0),
      core(1, 0, null, 0, [1, 9], 1),
      core(1, 0, null, 1, [3, 11], 1),
      core(1, 0, null, 2, [5, 13], 1),
      core(1, 0, null, 3, [7, 15], 1),
    ]);
  });

  it('has one L3 per package', () => {
    expect(t.caches).toEqual([
      cache(1, 'Data', 32768, 0, [0, 8]),
      cache(1, 'Data', 32768, 1, [1, 9]),
      cache(1, 'Data', 32768, 2, [2, 10]),
      cache(1, 'Data', 32768, 3, [3, 11]),
      cache(1, 'Data', 32768, 4, [4, 12]),
      cache(1, 'Data', 32768, 5, [5, 13]),
      cache(1, 'Data', 32768, 6, [6, 14]),
      cache(1, 'Data', 32768, 7, [7, 15]),
      cache(2, 'Unified', 1048576, 0, [0, 8]),
      cache(2, 'Unified', 1048576, 1, [1, 9]),
      cache(2, 'Unified', 1048576, 2, [2, 10]),
      cache(2, 'Unified', 1048576, 3, [3, 11]),
      cache(2, 'Unified', 1048576, 4, [4, 12]),
      cache(2, 'Unified', 1048576, 5, [5, 13]),
      cache(2, 'Unified', 1048576, 6, [6, 14]),
      cache(2, 'Unified', 1048576, 7, [7, 15]),
      cache(3, 'Unified', 17301504, 0, [0, 2, 4, 6, 8, 10, 12, 14]),
      cache(3, 'Unified', 17301504, 1, [1, 3, 5, 7, 9, 11, 13, 15]),
    ]);
  });

  it('has two nodes at distance 21 and a block offline on node 0', () => {
    expect(t.nodes).toEqual([
      { id: 0, cpus: [0, 2, 4, 6, 8, 10, 12, 14], memoryBytes: 2147483648, distances: { '0': 10, '1': 21 }, hasCpu: true, hasMemory: true },
      { id: 1, cpus: [1, 3, 5, 7, 9, 11, 13, 15], memoryBytes: 2147483648, distances: { '0': 21, '1': 10 }, hasCpu: true, hasMemory: true },
    ]);
    expect(t.memory).toEqual({
      blockSizeBytes: 1073741824,
      blocks: [
        block(0, 0x0, 0x3fffffff, 'online', [], true, 0),
        block(1, 0x40000000, 0x7fffffff, 'offline', ['DMA32', 'Normal', 'Movable'], true, 0),
        block(2, 0x80000000, 0xbfffffff, 'online', ['Normal'], true, 1),
        block(3, 0xc0000000, 0xffffffff, 'online', ['Movable'], true, 1),
      ],
      systemRam: [
        { start: 0x1000, end: 0x9ffff },
        { start: 0x100000, end: 0xbfffffff },
        { start: 0x100000000, end: 0x13fffffff },
      ],
      reserved: [
        { start: 0x0, end: 0xfff },
        { start: 0xa0000, end: 0xfffff },
        { start: 0x140000000, end: 0x17fffffff },
      ],
      totalBytes: 4294967296,
    });
  });

  it('reads SR-IOV, IOMMU groups, NUMA nodes and partial config space', () => {
    expect(t.pci).toEqual([
      pci({
        address: '0000:00:03.0',
        vendor: 0x15b3,
        device: 0x1017,
        vendorName: 'Mellanox Technologies',
        deviceName: 'MT27800 Family [ConnectX-5]',
        classCode: 0x020000,
        className: 'Ethernet controller',
        node: 0,
        iommuGroup: 12,
        driver: 'mlx5_core',
        enabled: true,
        msi: true,
        msix: true,
        sriov: { totalVfs: 8, numVfs: 2 },
      }),
      pci({
        address: '0000:00:04.0',
        vendor: 0x1e0f,
        device: 0x0001,
        vendorName: 'KIOXIA Corporation',
        deviceName: 'NVMe SSD Controller BG4',
        classCode: 0x010802,
        className: 'Non-Volatile memory controller',
        node: 0,
        iommuGroup: 13,
        enabled: false,
      }),
      pci({
        address: '0000:80:02.0',
        vendor: 0x8086,
        device: 0x1593,
        vendorName: 'Intel Corporation',
        deviceName: 'Ethernet Controller E810-C for SFP',
        classCode: 0x020000,
        className: 'Ethernet controller',
        node: 1,
        iommuGroup: 40,
        driver: 'ice',
        enabled: true,
        msi: false,
        msix: true,
        sriov: { totalVfs: 64, numVfs: 0 },
      }),
      pci({
        address: '0000:80:03.0',
        vendor: 0xabcd,
        device: 0x0042,
        classCode: 0x120000,
        className: 'Processing accelerators',
        node: 1,
        iommuGroup: 41,
        driver: 'vfio-pci',
        enabled: true,
      }),
    ]);
  });

  it('reads CMA areas and the Parker partitions', () => {
    expect(t.cma).toEqual([
      { name: 'parker0', totalPages: 1048576, availablePages: 1048576, allocPagesSuccess: 0, allocPagesFail: 0, releasePagesSuccess: 0 },
      { name: 'parker1', totalPages: 1048576, availablePages: 786432, allocPagesSuccess: 262144, allocPagesFail: 0, releasePagesSuccess: 0 },
      { name: 'reserved', totalPages: null, availablePages: null, allocPagesSuccess: 17, allocPagesFail: null, releasePagesSuccess: null },
    ]);
    expect(t.parker).toEqual({ controlFs: true, partitions: ['db', 'web'] });
  });
});

describe('discover: offline-cpus', () => {
  const t = run(offlineCpus());

  it('reports the kernel CPU sets', () => {
    expect(t.cpus).toEqual({ possible: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], present: [0, 1, 2, 3, 4, 5, 6, 7], online: [0, 1, 3, 4, 7], offline: [2, 5, 6, 8, 9] });
  });

  it('leaves the placement of offline CPUs null but finds their node', () => {
    expect(t.cpu).toEqual([
      onlineCpu([0, false, 0, 0, null, 0, 0, [0, 4], 6]),
      onlineCpu([1, true, 0, 0, null, 1, 0, [1], 6]),
      offlineCpu(2, true, 1),
      onlineCpu([3, true, 0, 0, null, 3, 1, [3, 7], 6]),
      onlineCpu([4, true, 0, 0, null, 0, 0, [0, 4], 6]),
      offlineCpu(5, true, 0),
      offlineCpu(6, true, 1),
      onlineCpu([7, true, 0, 0, null, 3, 1, [3, 7], 6]),
      offlineCpu(8, false, null),
      offlineCpu(9, false, null),
    ]);
  });

  it('builds cores and caches from online CPUs only', () => {
    expect(t.packages).toEqual([{ id: 0, cpus: [0, 1, 3, 4, 7], dies: [0], nodes: [0, 1] }]);
    expect(t.cores).toEqual([core(0, 0, null, 0, [0, 4], 0), core(0, 0, null, 1, [1], 0), core(0, 0, null, 3, [3, 7], 1)]);
    expect(t.caches).toEqual([
      cache(1, 'Data', 32768, 0, [0, 4]),
      cache(1, 'Data', 32768, 1, [1]),
      cache(1, 'Data', 32768, 3, [3, 7]),
      cache(2, 'Unified', 262144, 0, [0, 4]),
      cache(2, 'Unified', 262144, 1, [1]),
      cache(2, 'Unified', 262144, 3, [3, 7]),
      cache(3, 'Unified', 8388608, 0, [0, 1, 3, 4, 7]),
    ]);
  });

  it('reports unknown node memory as null and hidden iomem as empty', () => {
    expect(t.nodes).toEqual([
      { id: 0, cpus: [0, 1, 4], memoryBytes: 8318418944, distances: { '0': 10, '1': 20 }, hasCpu: true, hasMemory: true },
      { id: 1, cpus: [3, 6, 7], memoryBytes: null, distances: { '0': 20, '1': 10 }, hasCpu: true, hasMemory: false },
    ]);
    expect(t.memory).toEqual({ blockSizeBytes: null, blocks: [], systemRam: [], reserved: [], totalBytes: 8192000000 });
    expect(t.pci).toEqual([]);
    expect(t.machine.arch).toBeNull();
  });
});

describe('discover: memory-only-node', () => {
  const t = run(memoryOnlyNode());

  it('reads an old kernel without die_id and cluster_id as null', () => {
    expect(t.cpu).toEqual([
      onlineCpu([0, false, 0, null, null, 0, 0, [0], 4]),
      onlineCpu([1, true, 0, null, null, 1, 0, [1], 4]),
      onlineCpu([2, true, 1, null, null, 0, 1, [2], 5]),
      onlineCpu([3, true, 1, null, null, 1, 1, [3], 5]),
    ]);
    expect(t.packages).toEqual([
      { id: 0, cpus: [0, 1], dies: [], nodes: [0] },
      { id: 1, cpus: [2, 3], dies: [], nodes: [1] },
    ]);
    expect(t.cores).toEqual([
      core(0, null, null, 0, [0], 0),
      core(0, null, null, 1, [1], 0),
      core(1, null, null, 0, [2], 1),
      core(1, null, null, 1, [3], 1),
    ]);
    expect(t.caches).toEqual([
      cache(1, 'Data', 32768, 0, [0]),
      cache(1, 'Data', 32768, 1, [1]),
      cache(1, 'Data', 32768, 2, [2]),
      cache(1, 'Data', 32768, 3, [3]),
      cache(2, 'Unified', 1048576, 0, [0, 1]),
      cache(2, 'Unified', 1048576, 1, [2, 3]),
    ]);
  });

  it('has a node with memory and no CPUs', () => {
    expect(t.nodes).toEqual([
      { id: 0, cpus: [0, 1], memoryBytes: 4294967296, distances: { '0': 10, '1': 21, '2': 30 }, hasCpu: true, hasMemory: true },
      { id: 1, cpus: [2, 3], memoryBytes: 4294967296, distances: { '0': 21, '1': 10, '2': 30 }, hasCpu: true, hasMemory: true },
      { id: 2, cpus: [], memoryBytes: 2147483648, distances: { '0': 30, '1': 30, '2': 10 }, hasCpu: false, hasMemory: true },
    ]);
  });

  it('puts the Movable blocks on node 2 from their own node links', () => {
    expect(t.memory).toEqual({
      blockSizeBytes: 2147483648,
      blocks: [
        block(0, 0x0, 0x7fffffff, 'online', [], false, 0),
        block(1, 0x80000000, 0xffffffff, 'online', ['Normal'], true, 0),
        block(2, 0x100000000, 0x17fffffff, 'online', ['Normal'], true, 1),
        block(3, 0x180000000, 0x1ffffffff, 'online', ['Normal'], true, 1),
        block(4, 0x200000000, 0x27fffffff, 'online', ['Movable'], true, 2),
        block(5, 0x280000000, 0x2ffffffff, 'offline', ['Movable'], true, 2),
      ],
      systemRam: [{ start: 0x1000, end: 0x7fffffff }],
      reserved: [{ start: 0x0, end: 0xfff }],
      totalBytes: 10737418240,
    });
  });

  it('finds the CXL memory device on node 2', () => {
    expect(t.pci).toEqual([
      pci({
        address: '0000:0d:00.0',
        vendor: 0x8086,
        device: 0x0d93,
        vendorName: 'Intel Corporation',
        classCode: 0x050210,
        className: 'CXL',
        node: 2,
        iommuGroup: 5,
        driver: 'cxl_pci',
        enabled: true,
        msi: true,
        msix: true,
      }),
    ]);
  });
});

describe('discover: arm64-clusters (no NUMA)', () => {
  const t = run(arm64Clusters());

  it('reads clusters without dies, and CPU 0 is hotpluggable', () => {
    expect(t.machine.arch).toBe('aarch64');
    expect(t.cpu).toEqual(
      (
        [
          [0, true, 0, null, 0, 0, 0, [0], 10],
          [1, true, 0, null, 0, 1, 0, [1], 10],
          [2, true, 0, null, 0, 2, 0, [2], 10],
          [3, true, 0, null, 0, 3, 0, [3], 10],
          [4, true, 0, null, 1, 4, 0, [4], 10],
          [5, true, 0, null, 1, 5, 0, [5], 10],
          [6, true, 0, null, 1, 6, 0, [6], 10],
          [7, true, 0, null, 1, 7, 0, [7], 10],
        ] satisfies OnlineRow[]
      ).map(onlineCpu),
    );
    expect(t.packages).toEqual([{ id: 0, cpus: [0, 1, 2, 3, 4, 5, 6, 7], dies: [], nodes: [0] }]);
    expect(t.cores).toEqual([
      core(0, null, 0, 0, [0], 0),
      core(0, null, 0, 1, [1], 0),
      core(0, null, 0, 2, [2], 0),
      core(0, null, 0, 3, [3], 0),
      core(0, null, 1, 4, [4], 0),
      core(0, null, 1, 5, [5], 0),
      core(0, null, 1, 6, [6], 0),
      core(0, null, 1, 7, [7], 0),
    ]);
  });

  it('reports caches without ids', () => {
    expect(t.caches).toEqual([
      cache(1, 'Data', 65536, null, [0]),
      cache(1, 'Data', 65536, null, [1]),
      cache(1, 'Data', 65536, null, [2]),
      cache(1, 'Data', 65536, null, [3]),
      cache(1, 'Data', 65536, null, [4]),
      cache(1, 'Data', 65536, null, [5]),
      cache(1, 'Data', 65536, null, [6]),
      cache(1, 'Data', 65536, null, [7]),
      cache(2, 'Unified', 2097152, null, [0, 1, 2, 3]),
      cache(2, 'Unified', 2097152, null, [4, 5, 6, 7]),
      cache(3, 'Unified', 33554432, null, [0, 1, 2, 3, 4, 5, 6, 7]),
    ]);
  });

  it('makes one node 0 of everything without a node directory', () => {
    expect(t.nodes).toEqual([
      { id: 0, cpus: [0, 1, 2, 3, 4, 5, 6, 7], memoryBytes: 16640000000, distances: { '0': 10 }, hasCpu: true, hasMemory: true },
    ]);
    expect(t.memory).toEqual({
      blockSizeBytes: 1073741824,
      blocks: [
        block(2, 0x80000000, 0xbfffffff, 'online', ['DMA'], true, 0),
        block(3, 0xc0000000, 0xffffffff, 'online', ['Normal'], true, 0),
      ],
      systemRam: [{ start: 0x40000000, end: 0xbfffffff }],
      reserved: [],
      totalBytes: 16640000000,
    });
  });

  it('reads PCI segments other than 0 and a 64-byte config space', () => {
    expect(t.pci).toEqual([
      pci({
        address: '0000:00:00.0',
        vendor: 0x1b36,
        device: 0x0008,
        classCode: 0x060000,
        className: 'Host bridge',
        iommuGroup: 0,
        enabled: false,
        msi: false,
        msix: false,
      }),
      pci({
        address: '0001:00:00.0',
        vendor: 0x19e5,
        device: 0xa120,
        classCode: 0x060400,
        className: 'PCI bridge',
        iommuGroup: 2,
        driver: 'pcieport',
        enabled: true,
        msi: true,
        msix: false,
        bridge: true,
      }),
      pci({
        address: '0001:01:00.0',
        vendor: 0x144d,
        device: 0xa808,
        vendorName: 'Samsung Electronics Co Ltd',
        deviceName: 'NVMe SSD Controller SM981/PM981/PM983',
        classCode: 0x010802,
        className: 'Non-Volatile memory controller',
        iommuGroup: 3,
        driver: 'nvme',
        enabled: true,
        parent: '0001:00:00.0',
      }),
    ]);
  });
});

describe('discover: hybrid-cache-indexes', () => {
  const t = run(hybridCacheIndexes());

  it('matches caches by level and type when CPUs list different indexes', () => {
    expect(t.caches).toEqual([
      cache(1, 'Data', 32768, null, [0]),
      cache(1, 'Data', 32768, null, [1]),
      cache(1, 'Data', 65536, null, [2]),
      cache(1, 'Data', 65536, null, [3]),
      cache(2, 'Unified', 524288, null, [2]),
      cache(2, 'Unified', 524288, null, [3]),
      cache(3, 'Unified', 2097152, null, [0, 1, 2, 3]),
    ]);
    expect(t.cpu.map((c) => c.llc)).toEqual([6, 6, 6, 6]);
  });
});

describe('discover: this computer, read-only', () => {
  const t = discover(readOnlyMachine(new DirectoryFs('/'), 'host', 'host /'));

  it('sees as many online CPUs as Node does and at least one node', () => {
    expect(t.cpus.online.length).toBe(os.cpus().length);
    expect(t.cpu.filter((c) => c.online).length).toBe(os.cpus().length);
    expect(t.nodes.length).toBeGreaterThanOrEqual(1);
    expect(t.nodes.flatMap((n) => n.cpus).sort((a, b) => a - b)).toEqual(t.cpus.online);
    expect(t.kernel.release).toBe(os.release());
    expect(t.memory.totalBytes).toBeGreaterThan(0);
  });

  it('puts every CPU with a known package in exactly one core', () => {
    const placed = t.cpu.filter((c) => c.package !== null && c.core !== null).map((c) => c.id);
    expect(t.cores.flatMap((c) => c.cpus).sort((a, b) => a - b)).toEqual(placed);
    expect(t.packages.flatMap((p) => p.cpus).sort((a, b) => a - b)).toEqual(placed);
  });
});

/** Passes every call through and logs it as "op path". */
function logged(machine: Machine): { machine: Machine; log: string[] } {
  const log: string[] = [];
  const inner = machine.fs;
  const fs: KernelFs = {
    read: (p) => (log.push(`read ${p}`), inner.read(p)),
    readBytes: (p) => (log.push(`readBytes ${p}`), inner.readBytes(p)),
    write: (p, v) => inner.write(p, v),
    mkdir: (p) => inner.mkdir(p),
    rmdir: (p) => inner.rmdir(p),
    list: (p) => (log.push(`list ${p}`), inner.list(p)),
    exists: (p) => (log.push(`exists ${p}`), inner.exists(p)),
    readlink: (p) => (log.push(`readlink ${p}`), inner.readlink(p)),
    isDirectory: (p) => (log.push(`isDirectory ${p}`), inner.isDirectory(p)),
  };
  return { machine: { ...machine, fs }, log };
}

describe('discover: reads', () => {
  it('reads each cache instance once and nothing of the second threads', () => {
    const { machine, log } = logged(laptop1NodeSmt());
    run(machine);
    const cacheReads = log.filter((l) => l.startsWith('read ') && l.includes('/cache/')).map((l) => l.replace('read sys/devices/system/cpu/', ''));
    // CPU 0 reads all four indexes; CPUs 1-3 only their private L1d, L1i and L2; 4-7 nothing.
    expect(cacheReads).toEqual([
      ...['shared_cpu_list', 'type', 'level', 'size', 'id'].map((f) => `cpu0/cache/index0/${f}`),
      ...['shared_cpu_list', 'type'].map((f) => `cpu0/cache/index1/${f}`),
      ...['shared_cpu_list', 'type', 'level', 'size', 'id'].map((f) => `cpu0/cache/index2/${f}`),
      ...['shared_cpu_list', 'type', 'level', 'size', 'id'].map((f) => `cpu0/cache/index3/${f}`),
      ...[1, 2, 3].flatMap((cpu) => [
        ...['shared_cpu_list', 'type', 'level', 'size', 'id'].map((f) => `cpu${cpu}/cache/index0/${f}`),
        ...['shared_cpu_list', 'type'].map((f) => `cpu${cpu}/cache/index1/${f}`),
        ...['shared_cpu_list', 'type', 'level', 'size', 'id'].map((f) => `cpu${cpu}/cache/index2/${f}`),
      ]),
    ]);
    expect(log.filter((l) => /cpu[4-7]\/(cache|topology)/.test(l))).toEqual([]);
  });

  it('reads package, die and cluster ids once per group', () => {
    const { machine, log } = logged(twoSocketRoundRobin());
    run(machine);
    const idReads = log.filter((l) => /^read .*\/(physical_package_id|die_id|core_siblings_list|die_cpus_list)$/.test(l));
    expect(idReads).toEqual([
      'read sys/devices/system/cpu/cpu0/topology/physical_package_id',
      'read sys/devices/system/cpu/cpu0/topology/core_siblings_list',
      'read sys/devices/system/cpu/cpu0/topology/die_id',
      'read sys/devices/system/cpu/cpu0/topology/die_cpus_list',
      'read sys/devices/system/cpu/cpu1/topology/physical_package_id',
      'read sys/devices/system/cpu/cpu1/topology/core_siblings_list',
      'read sys/devices/system/cpu/cpu1/topology/die_id',
      'read sys/devices/system/cpu/cpu1/topology/die_cpus_list',
    ]);
  });

  it('makes the same reads in the same order every time', () => {
    const first = logged(twoSocketRoundRobin());
    const second = logged(twoSocketRoundRobin());
    expect(run(first.machine)).toEqual(run(second.machine));
    expect(first.log).toEqual(second.log);
    expect(first.log.length).toBeGreaterThan(100);
  });

  it('never lists a directory to learn whether a file exists', () => {
    const { machine, log } = logged(offlineCpus());
    run(machine);
    const listed = log.filter((l) => l.startsWith('list ')).map((l) => l.slice('list '.length));
    expect(listed).toEqual([
      'sys/devices/system/cpu',
      'sys/devices/system/node',
      'sys/devices/system/cpu/cpu2',
      'sys/devices/system/cpu/cpu5',
      'sys/devices/system/cpu/cpu6',
      'sys/devices/system/cpu/cpu0/cache',
      'sys/devices/system/cpu/cpu1/cache',
      'sys/devices/system/cpu/cpu3/cache',
      'sys/bus/pci/devices',
    ]);
  });
});

describe('discover: damaged and empty trees', () => {
  it('describes an empty tree as unknown, without an error', () => {
    const t = run(readOnlyMachine(new TreeFs(new FileTree()), 'archive', 'empty'));
    expect(t.cpus).toEqual({ possible: [], present: [], online: [], offline: [] });
    expect(t.cpu).toEqual([]);
    expect(t.packages).toEqual([]);
    expect(t.cores).toEqual([]);
    expect(t.caches).toEqual([]);
    expect(t.nodes).toEqual([{ id: 0, cpus: [], memoryBytes: null, distances: { '0': 10 }, hasCpu: false, hasMemory: true }]);
    expect(t.memory).toEqual({ blockSizeBytes: null, blocks: [], systemRam: [], reserved: [], totalBytes: null });
    expect(t.pci).toEqual([]);
    expect(t.kernel).toEqual({ release: null, cmdline: null });
    expect(t.parker).toEqual({ controlFs: false, partitions: [] });
  });

  it('reads a file no kernel writes as unknown, names it in a warning, and goes on', () => {
    const machine = laptop1NodeSmt();
    (machine.fs as TreeFs).tree.file('sys/devices/system/cpu/cpu2/topology/core_id', 'two\n');
    const t = run(machine);
    expect(t.warnings).toEqual([
      {
        path: 'sys/devices/system/cpu/cpu2/topology/core_id',
        message: 'invalid value in sys/devices/system/cpu/cpu2/topology/core_id "two": expected a decimal number; read as unknown',
      },
    ]);
    expect(t.cpu.find((c) => c.id === 2)).toMatchObject({ package: 0, core: null, threadSiblings: [2, 6] });
    expect(t.cpus.online).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(t.cores.find((c) => c.cpus[0] === 2)).toEqual({ package: 0, die: 0, cluster: 16, coreId: null, cpus: [2, 6], node: 0 });
    expect(t.cores).toHaveLength(4);
  });
});

// ---------------------------------------------------------------------------------------
// Machines of many vintages (test/fixtures/vintage-machines.ts): every class of issue 11.
// Rows: packages [id, cpus, nodes]; cores [package, coreId, cpus, node]; caches of level 2
// and up [level, KiB, id, cpus]; nodes [id, cpus, MemTotal KiB, hasCpu, hasMemory,
// gpuMemory, distances]; cpus [possible, online, offline].

function summary(t: Topology) {
  const L = (cpus: number[]) => formatCpuList(cpus);
  const kb = (bytes: number | null) => (bytes === null ? null : bytes / 1024);
  return {
    cpus: [L(t.cpus.possible), L(t.cpus.online), L(t.cpus.offline)],
    packages: t.packages.map((p) => [p.id, L(p.cpus), p.nodes]),
    cores: t.cores.map((c) => [c.package, c.coreId, L(c.cpus), c.node]),
    caches: t.caches.filter((c) => c.level >= 2).map((c) => [c.level, kb(c.sizeBytes), c.id, L(c.cpus)]),
    nodes: t.nodes.map((n) => [n.id, L(n.cpus), kb(n.memoryBytes), n.hasCpu, n.hasMemory, n.gpuMemory ?? null, n.distances]),
    totalKb: kb(t.memory.totalBytes),
    warnings: (t.warnings ?? []).map((w) => w.path),
  };
}

const VINTAGE_EXPECTED: Record<keyof typeof VINTAGE_MACHINES, ReturnType<typeof summary>> = {
  x86MasksOnly2008: {
      cpus: ['0-7', '0-7', ''],
      packages: [[0, '0-3', [0]], [1, '4-7', [0]]],
      cores: [[0, 0, '0', 0], [0, 1, '1', 0], [0, 2, '2', 0], [0, 3, '3', 0], [1, 0, '4', 0], [1, 1, '5', 0], [1, 2, '6', 0], [1, 3, '7', 0]],
      caches: [[2, 6144, null, '0-1'], [2, 6144, null, '2-3'], [2, 6144, null, '4-5'], [2, 6144, null, '6-7']],
      nodes: [
        [0, '0-7', 16777216, true, true, null, {'0': 10}],
      ],
      totalKb: 16777216,
      warnings: [],
  },
  nulPaddedRecording: {
      cpus: ['0-7', '0-7', ''],
      packages: [[0, '0-7', [0]]],
      cores: [[0, 0, '0,4', 0], [0, 1, '1,5', 0], [0, 2, '2,6', 0], [0, 3, '3,7', 0]],
      caches: [[2, 1280, 0, '0,4'], [2, 1280, 1, '1,5'], [2, 1280, 2, '2,6'], [2, 1280, 3, '3,7'], [3, 12288, 0, '0-7']],
      nodes: [
        [0, '0-7', 32768000, true, true, null, {'0': 10}],
      ],
      totalKb: 32768000,
      warnings: [],
  },
  power8PackageMinusOne: {
      cpus: ['0-31', '0-31', ''],
      packages: [[0, '0-15', [0]], [1, '16-31', [8]]],
      cores: [[0, 0, '0-7', 0], [0, 8, '8-15', 0], [1, 16, '16-23', 8], [1, 24, '24-31', 8]],
      caches: [[2, 512, null, '0-7'], [2, 512, null, '8-15'], [2, 512, null, '16-23'], [2, 512, null, '24-31'], [3, 8192, null, '0-7'], [3, 8192, null, '8-15'], [3, 8192, null, '16-23'], [3, 8192, null, '24-31']],
      nodes: [
        [0, '0-15', 67108864, true, true, null, {'0': 10, '8': 40}],
        [8, '16-31', 67108864, true, true, null, {'0': 40, '8': 10}],
      ],
      totalKb: 134217728,
      warnings: [],
  },
  ia64RepeatedPackageIds: {
      cpus: ['0-7', '0-7', ''],
      packages: [[0, '0-1', [0]], [1, '2-3', [1]], [2, '4-5', [2]], [3, '6-7', [3]]],
      cores: [[0, 0, '0', 0], [0, 1, '1', 0], [1, 0, '2', 1], [1, 1, '3', 1], [2, 0, '4', 2], [2, 1, '5', 2], [3, 0, '6', 3], [3, 1, '7', 3]],
      caches: [[2, 256, null, '0'], [2, 256, null, '1'], [2, 256, null, '2'], [2, 256, null, '3'], [2, 256, null, '4'], [2, 256, null, '5'], [2, 256, null, '6'], [2, 256, null, '7'], [3, 9216, null, '0'], [3, 9216, null, '1'], [3, 9216, null, '2'], [3, 9216, null, '3'], [3, 9216, null, '4'], [3, 9216, null, '5'], [3, 9216, null, '6'], [3, 9216, null, '7']],
      nodes: [
        [0, '0-1', 4194304, true, true, null, {'0': 10, '1': 15, '2': 20, '3': 20}],
        [1, '2-3', 4194304, true, true, null, {'0': 15, '1': 10, '2': 15, '3': 20}],
        [2, '4-5', 4194304, true, true, null, {'0': 20, '1': 15, '2': 10, '3': 15}],
        [3, '6-7', 4194304, true, true, null, {'0': 20, '1': 20, '2': 15, '3': 10}],
      ],
      totalKb: 16777216,
      warnings: [],
  },
  threeSockets: {
      cpus: ['0-17', '0-17', ''],
      packages: [[0, '0-2,9-11', [0]], [1, '3-5,12-14', [1]], [2, '6-8,15-17', [2]]],
      cores: [[0, 0, '0,9', 0], [0, 1, '1,10', 0], [0, 2, '2,11', 0], [1, 0, '3,12', 1], [1, 1, '4,13', 1], [1, 2, '5,14', 1], [2, 0, '6,15', 2], [2, 1, '7,16', 2], [2, 2, '8,17', 2]],
      caches: [[2, 4096, 0, '0,9'], [2, 4096, 1, '1,10'], [2, 4096, 2, '2,11'], [2, 4096, 3, '3,12'], [2, 4096, 4, '4,13'], [2, 4096, 5, '5,14'], [2, 4096, 6, '6,15'], [2, 4096, 7, '7,16'], [2, 4096, 8, '8,17'], [3, 16384, 0, '0-2,9-11'], [3, 16384, 1, '3-5,12-14'], [3, 16384, 2, '6-8,15-17']],
      nodes: [
        [0, '0-2,9-11', 2097152, true, true, null, {'0': 10, '1': 20, '2': 20}],
        [1, '3-5,12-14', 2097152, true, true, null, {'0': 20, '1': 10, '2': 20}],
        [2, '6-8,15-17', 2097152, true, true, null, {'0': 20, '1': 20, '2': 10}],
      ],
      totalKb: 6291456,
      warnings: [],
  },
  sparseNodes: {
      cpus: ['0-3', '0-3', ''],
      packages: [[0, '0-1', [0]], [1, '2-3', [1]]],
      cores: [[0, 0, '0', 0], [0, 1, '1', 0], [1, 0, '2', 1], [1, 1, '3', 1]],
      caches: [[2, 2048, 0, '0'], [2, 2048, 1, '1'], [2, 2048, 2, '2'], [2, 2048, 3, '3'], [3, 32768, 0, '0-1'], [3, 32768, 1, '2-3']],
      nodes: [
        [0, '0-1', 8388608, true, true, null, {'0': 10, '1': 21, '250': 14, '251': 24}],
        [1, '2-3', 0, true, false, null, {'0': 21, '1': 10, '250': 24, '251': 14}],
        [250, '', 16777216, false, true, null, {'0': 14, '1': 24, '250': 10, '251': 26}],
        [251, '', 16777216, false, true, null, {'0': 24, '1': 14, '250': 26, '251': 10}],
      ],
      totalKb: 41943040,
      warnings: [],
  },
  gpuMemoryNodes: {
      cpus: ['0-7', '0-7', ''],
      packages: [[0, '0-7', [0]]],
      cores: [[0, 0, '0', 0], [0, 1, '1', 0], [0, 2, '2', 0], [0, 3, '3', 0], [0, 4, '4', 0], [0, 5, '5', 0], [0, 6, '6', 0], [0, 7, '7', 0]],
      caches: [[2, 1024, 0, '0'], [2, 1024, 1, '1'], [2, 1024, 2, '2'], [2, 1024, 3, '3'], [2, 1024, 4, '4'], [2, 1024, 5, '5'], [2, 1024, 6, '6'], [2, 1024, 7, '7'], [3, 116736, 0, '0-7']],
      nodes: [
        [0, '0-7', 503316480, true, true, null, {'0': 10, '1': 80, '2': 80, '3': 80, '4': 80}],
        [1, '', 100663296, false, false, '0009:01:00.0', {'0': 80, '1': 10, '2': 80, '3': 80, '4': 80}],
        [2, '', 0, false, false, null, {'0': 80, '1': 80, '2': 10, '3': 80, '4': 80}],
        [3, '', 0, false, false, null, {'0': 80, '1': 80, '2': 80, '3': 10, '4': 80}],
        [4, '', 0, false, false, null, {'0': 80, '1': 80, '2': 80, '3': 80, '4': 10}],
      ],
      totalKb: 503316480,
      warnings: [],
  },
  trimmedNoOnlineFile: {
      cpus: ['0-5', '0-4', '5'],
      packages: [[0, '0-4', [0]]],
      cores: [[0, 0, '0,3', 0], [0, 1, '1,4', 0], [0, 2, '2', 0]],
      caches: [[2, 256, null, '0,3'], [2, 256, null, '1,4'], [2, 256, null, '2'], [3, 15360, null, '0-4']],
      nodes: [
        [0, '0-4', 8388608, true, true, null, {'0': 10}],
      ],
      totalKb: 8388608,
      warnings: ['sys/devices/system/cpu/cpu3/online'],
  },
  armNoTopology: {
      cpus: ['0-3', '0-3', ''],
      packages: [[0, '0', [0]], [1, '1', [0]], [2, '2', [0]], [3, '3', [0]]],
      cores: [[0, 0, '0', 0], [1, 1, '1', 0], [2, 2, '2', 0], [3, 3, '3', 0]],
      caches: [[2, 512, null, '0-3']],
      nodes: [
        [0, '0-3', 2048000, true, true, null, {'0': 10}],
      ],
      totalKb: 2048000,
      warnings: [],
  },
  damagedFiles: {
      cpus: ['0-7', '0-7', ''],
      packages: [[0, '0-1,4-5', [0]], [1, '2-3,6-7', [1]]],
      cores: [[0, null, '1,5', 0], [0, 0, '0,4', 0], [1, 0, '2,6', 1], [1, 1, '3,7', 1]],
      caches: [[2, 1024, 0, '0,4'], [2, 1024, 1, '1,5'], [2, null, 2, '2,6'], [2, 1024, 3, '3,7'], [3, 11264, 0, '0-1,4-5'], [3, 11264, 1, '2-3,6-7']],
      nodes: [
        [0, '0-1,4-5', 4194304, true, true, null, {'0': 10, '1': 21}],
        [1, '2-3,6-7', null, true, true, null, {}],
      ],
      totalKb: 8388608,
      warnings: ['sys/devices/system/node/node1/meminfo', 'sys/devices/system/node/node1/distance', 'sys/devices/system/cpu/cpu1/topology/core_id', 'sys/devices/system/cpu/cpu2/cache/index0/size'],
  },
  amdCcxNoCacheId: {
      cpus: ['0-15', '0-15', ''],
      packages: [[0, '0-15', [0]]],
      cores: [[0, 0, '0,8', 0], [0, 1, '1,9', 0], [0, 2, '2,10', 0], [0, 3, '3,11', 0], [0, 4, '4,12', 0], [0, 5, '5,13', 0], [0, 6, '6,14', 0], [0, 7, '7,15', 0]],
      caches: [[2, 512, null, '0,8'], [2, 512, null, '1,9'], [2, 512, null, '2,10'], [2, 512, null, '3,11'], [2, 512, null, '4,12'], [2, 512, null, '5,13'], [2, 512, null, '6,14'], [2, 512, null, '7,15'], [3, 16384, null, '0-3,8-11'], [3, 16384, null, '4-7,12-15']],
      nodes: [
        [0, '0-15', 65536000, true, true, null, {'0': 10}],
      ],
      totalKb: 65536000,
      warnings: [],
  },
  sparseCoreIds: {
      cpus: ['0-11', '0-11', ''],
      packages: [[0, '0-5', [0]], [3, '6-11', [1]]],
      cores: [[0, 0, '0', 0], [0, 1, '1', 0], [0, 2, '2', 0], [0, 8, '3', 0], [0, 9, '4', 0], [0, 10, '5', 0], [3, 0, '6', 1], [3, 1, '7', 1], [3, 2, '8', 1], [3, 8, '9', 1], [3, 9, '10', 1], [3, 10, '11', 1]],
      caches: [[2, 1024, 0, '0'], [2, 1024, 1, '1'], [2, 1024, 2, '2'], [2, 1024, 8, '3'], [2, 1024, 9, '4'], [2, 1024, 10, '5'], [2, 1024, 16, '6'], [2, 1024, 17, '7'], [2, 1024, 18, '8'], [2, 1024, 24, '9'], [2, 1024, 25, '10'], [2, 1024, 26, '11'], [3, 19712, 0, '0-5'], [3, 19712, 3, '6-11']],
      nodes: [
        [0, '0-5', 16777216, true, true, null, {'0': 10, '1': 21}],
        [1, '6-11', 16777216, true, true, null, {'0': 21, '1': 10}],
      ],
      totalKb: 33554432,
      warnings: [],
  },
  offlineOddShape: {
      cpus: ['0-11', '0-1,3-6,9-11', '2,7-8'],
      packages: [[0, '0-1,6', [0]], [1, '3-5,9-11', [1]]],
      cores: [[0, 0, '0,6', 0], [0, 1, '1', 0], [1, 0, '3,9', 1], [1, 1, '4,10', 1], [1, 2, '5,11', 1]],
      caches: [[2, 1024, 0, '0,6'], [2, 1024, 1, '1'], [2, 1024, 3, '3,9'], [2, 1024, 4, '4,10'], [2, 1024, 5, '5,11'], [3, 8192, 0, '0-1,6'], [3, 8192, 1, '3-5,9-11']],
      nodes: [
        [0, '0-1,6', 4194304, true, true, null, {'0': 10, '1': 20}],
        [1, '3-5,9-11', 4194304, true, true, null, {'0': 20, '1': 10}],
      ],
      totalKb: 8388608,
      warnings: [],
  },
};

describe('discover: machines of many vintages', () => {
  for (const [name, make] of Object.entries(VINTAGE_MACHINES)) {
    it(`${name} reads as written`, () => {
      expect(summary(run(make()))).toEqual(VINTAGE_EXPECTED[name as keyof typeof VINTAGE_MACHINES]);
    });
  }

  it('keeps each CPU of a package-less POWER tree on its core and node', () => {
    const t = run(power8PackageMinusOne());
    expect(t.cpu.filter((c) => c.id % 8 === 0).map((c) => [c.id, c.package, c.core, c.node, c.threadSiblings])).toEqual([
      [0, 0, 0, 0, [0, 1, 2, 3, 4, 5, 6, 7]],
      [8, 0, 8, 0, [8, 9, 10, 11, 12, 13, 14, 15]],
      [16, 1, 16, 8, [16, 17, 18, 19, 20, 21, 22, 23]],
      [24, 1, 24, 8, [24, 25, 26, 27, 28, 29, 30, 31]],
    ]);
  });

  it('names every damaged file in a warning and describes the rest', () => {
    const t = run(damagedFiles());
    expect(t.warnings!.map((w) => w.message)).toEqual([
      'invalid value in sys/devices/system/node/node1/meminfo "Node 1 MemTotal: lots": expected a "MemTotal: N kB" line; read as unknown',
      'invalid value in sys/devices/system/node/node1/distance "10 x": expected decimal numbers separated by spaces; read as unknown',
      'invalid value in sys/devices/system/cpu/cpu1/topology/core_id "abc": expected a decimal number; read as unknown',
      'invalid value in sys/devices/system/cpu/cpu2/cache/index0/size "lots": expected a size such as "32768K"; read as unknown',
    ]);
    expect(t.cpus.online).toHaveLength(8);
  });

  it('reports the GPU memory node as GPU memory, not memory partitions can take', () => {
    const node = run(gpuMemoryNodes()).nodes.find((n) => n.id === 1)!;
    expect(node).toMatchObject({ hasCpu: false, hasMemory: false, gpuMemory: '0009:01:00.0', memoryBytes: 100663296 * 1024 });
  });
});

describe('discover: a gathered snapshot holds everything discovery reads', () => {
  const fixtures = { laptop1NodeSmt, twoSocketRoundRobin, offlineCpus, memoryOnlyNode, arm64Clusters, hybridCacheIndexes, ...VINTAGE_MACHINES };
  for (const [name, make] of Object.entries(fixtures)) {
    it(`${name} discovers the same from its snapshot`, () => {
      const snapshot = gatherSnapshot(make(), { hostname: 'fixture', parkerVersion: '0.0.0', now: new Date(0) });
      const again = discover(openSnapshot(snapshot.bytes, `${name}.tar.gz`).machine);
      expect({ ...again, machine: null }).toEqual({ ...snapshot.topology, machine: null });
      expect(again.cpu.length).toBeGreaterThan(0);
    });
  }
});

describe('discover: an hwloc-gather-topology archive (.tar.bz2 with one root directory)', () => {
  it('reads the tree under its root directory as the machine', () => {
    const bytes = fs.readFileSync('test/fixtures/hwloc-gather-ia64.tar.bz2');
    const { machine, meta } = openSnapshot(new Uint8Array(bytes), 'hwloc-gather-ia64.tar.bz2');
    expect(meta).toBeNull();
    const t = run(machine);
    expect({ ...t, machine: null }).toEqual({ ...run(ia64RepeatedPackageIds()), machine: null });
    expect(summary(t).packages).toEqual([[0, '0-1', [0]], [1, '2-3', [1]], [2, '4-5', [2]], [3, '6-7', [3]]]);
  });
});
