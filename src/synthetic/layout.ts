import { ParkerError } from '../units/parker-error.js';
import { comparePciAddresses, formatPciAddress, parsePciAddress } from '../units/pci-address.js';
import type { PhysRange } from '../units/phys-range.js';
import { parkerCmaParameter, parseParkerCma } from '../units/parker-cma.js';
import { sortAscending } from '../units/ascending.js';
import {
  checkSyntheticDescription,
  formatSyntheticDescription,
  SECTION_SIZE,
  syntheticCounts,
  type SyntheticDescription,
  type SyntheticPciDevice,
} from './description.js';

/**
 * Where everything of a synthetic machine is: which CPU number each thread gets, which
 * physical ranges each node's memory spans, which memory blocks and CMA areas exist and
 * which PCI functions sit where. Pure data; synthetic-tree.ts writes it out as files.
 */
export interface SyntheticLayout {
  description: SyntheticDescription;
  counts: ReturnType<typeof syntheticCounts>;
  /** Indexed by CPU number. */
  cpus: SyntheticCpu[];
  /** CPU numbers (sorted) of each instance, indexed by the instance's machine-wide index. */
  groups: { core: number[][]; l2: number[][]; l3: number[][]; die: number[][]; package: number[][] };
  /** Indexed by node id: CPU nodes first, then memory-only ones. */
  nodes: SyntheticNode[];
  /** Memory block size: the description's, else as Linux picks it (linuxBlockSize). */
  blockSize: number;
  /** SLIT: distances[a][b]. */
  distances: number[][];
  blocks: SyntheticBlock[];
  cma: SyntheticCmaArea[];
  /** Sorted by address. */
  pci: SyntheticPciDevice[];
}

export interface SyntheticCpu {
  id: number;
  package: number;
  /** die_id: the die within its package. */
  die: number;
  /** Machine-wide indexes of the die, L3, L2 and core; L3, L2 and L1 cache ids use them. */
  dieIndex: number;
  l3: number;
  l2: number;
  core: number;
  /** core_id as Linux prints it: unique within the package. */
  coreId: number;
  thread: number;
  node: number;
  apicId: number;
}

export interface SyntheticNode {
  id: number;
  cpus: number[];
  /** The package the node belongs to; memory-only nodes hang off one too. */
  package: number;
  hasCpu: boolean;
  memBytes: number;
  /** Physical ranges of its RAM, ascending; node 0's skip the legacy and 3G-4G holes. */
  ranges: PhysRange[];
  /** Memory onlined to ZONE_MOVABLE (memory-only nodes), so no normal memory. */
  movable: boolean;
}

export interface SyntheticBlock {
  index: number;
  node: number;
  /** valid_zones of an online block: its zone, or "none" when it spans two. */
  zone: 'DMA32' | 'Normal' | 'Movable' | 'none';
}

export interface SyntheticCmaArea {
  name: string;
  node: number;
  range: PhysRange;
}

const GiB = 2 ** 30;
const MiB = 2 ** 20;
/** Where RAM may go below 4 GiB: the first page, the legacy VGA/BIOS area and the PCI hole stay out. */
const LOW_RAM_WINDOWS: readonly PhysRange[] = [
  { start: 0x1000, end: 0x9ffff },
  { start: 0x100000, end: 0xbfffffff },
];
const FOUR_GIB = 4 * GiB;
const DMA_LIMIT = 16 * MiB;

const bitsFor = (n: number) => (n <= 1 ? 0 : Math.ceil(Math.log2(n)));
const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

/** Lays out a synthetic machine. Throws E_SYNTHETIC for what the description cannot hold. */
export function syntheticLayout(d: SyntheticDescription): SyntheticLayout {
  checkSyntheticDescription(d);
  const counts = syntheticCounts(d);
  const { cpus, groups } = layOutCpus(d, counts);
  // Where RAM ends decides Linux's block size, and the block size where each node starts.
  const blockSize = d.blockSize ?? linuxBlockSize(layOutNodes(d, counts, cpus, SECTION_SIZE));
  const nodes = layOutNodes(d, counts, cpus, blockSize);
  return {
    description: d,
    counts,
    cpus,
    groups,
    nodes,
    blockSize,
    distances: nodeDistances(d, nodes),
    blocks: memoryBlocks(nodes, blockSize),
    cma: cmaAreas(d.cmdline, nodes),
    pci: pciDevices(d, counts.cpuNodes, counts.nodes),
  };
}

function layOutCpus(d: SyntheticDescription, counts: SyntheticLayout['counts']) {
  const { pack, die, numa, l3, l2, core, pu } = d.levels;
  // Without an l2 level every core has its own L2; with one, `core` cores share each L2.
  const coresPerL2 = l2 === null ? 1 : core;
  const coresPerL3 = (l2 ?? 1) * core;
  const coresPerNode = l3 * coresPerL3;
  const coresPerDie = numa * coresPerNode;
  const { cores: totalCores, coresPerPackage } = counts;
  const threadBits = bitsFor(pu);
  const coreBits = bitsFor(coresPerDie);
  const dieBits = bitsFor(die);

  const cpus: SyntheticCpu[] = new Array<SyntheticCpu>(counts.cpus);
  const groups: SyntheticLayout['groups'] = {
    core: Array.from({ length: totalCores }, () => []),
    l2: Array.from({ length: totalCores / coresPerL2 }, () => []),
    l3: Array.from({ length: totalCores / coresPerL3 }, () => []),
    die: Array.from({ length: pack * die }, () => []),
    package: Array.from({ length: pack }, () => []),
  };
  for (let g = 0; g < totalCores; g++) {
    const p = Math.floor(g / coresPerPackage);
    const inPackage = g % coresPerPackage;
    const dieInPackage = Math.floor(inPackage / coresPerDie);
    const coreInDie = inPackage % coresPerDie;
    for (let t = 0; t < pu; t++) {
      const id =
        d.numbering === 'compact'
          ? g * pu + t
          : d.numbering === 'linux'
            ? t * totalCores + g
            : t * totalCores + inPackage * pack + p;
      const cpu: SyntheticCpu = {
        id,
        package: p,
        die: dieInPackage,
        dieIndex: p * die + dieInPackage,
        l3: Math.floor(g / coresPerL3),
        l2: Math.floor(g / coresPerL2),
        core: g,
        coreId: inPackage,
        thread: t,
        node: Math.floor(g / coresPerNode),
        apicId: (((p * 2 ** dieBits + dieInPackage) * 2 ** coreBits + coreInDie) * 2 ** threadBits) + t,
      };
      cpus[id] = cpu;
      groups.core[g]!.push(id);
      groups.l2[cpu.l2]!.push(id);
      groups.l3[cpu.l3]!.push(id);
      groups.die[cpu.dieIndex]!.push(id);
      groups.package[p]!.push(id);
    }
  }
  for (const list of Object.values(groups)) for (const ids of list) sortAscending(ids);
  return { cpus, groups };
}

/**
 * The memory block size Linux picks on a bare-metal x86_64 machine (arch/x86/mm/init_64.c,
 * probe_memory_block_size): 2 GiB once RAM ends at or above 64 GiB, else 128 MiB.
 */
function linuxBlockSize(nodes: readonly SyntheticNode[]): number {
  const end = Math.max(...nodes.flatMap((n) => n.ranges.map((r) => r.end + 1)));
  return end >= 64 * GiB ? 2 * GiB : SECTION_SIZE;
}

/**
 * Node 0's memory starts at the bottom and flows around the holes below 4 GiB; every other
 * node starts at the next memory-block boundary, so no block spans two nodes and block
 * indexes agree with /proc/iomem.
 */
function layOutNodes(d: SyntheticDescription, counts: SyntheticLayout['counts'], cpus: SyntheticCpu[], blockSize: number): SyntheticNode[] {
  const nodes: SyntheticNode[] = [];
  const nodesPerPackage = counts.cpuNodes / d.levels.pack;
  for (let id = 0; id < counts.cpuNodes; id++) {
    nodes.push({ id, cpus: [], package: Math.floor(id / nodesPerPackage), hasCpu: true, memBytes: d.memPerNode, ranges: [], movable: false });
  }
  for (const cpu of cpus) nodes[cpu.node]!.cpus.push(cpu.id);
  for (const node of nodes) node.cpus.sort((a, b) => a - b);
  for (let i = 0; i < d.memoryOnlyNodes; i++) {
    nodes.push({
      id: counts.cpuNodes + i,
      cpus: [],
      package: i % d.levels.pack,
      hasCpu: false,
      memBytes: d.memoryOnlyNodeMem,
      ranges: [],
      movable: true,
    });
  }

  let cursor = 0;
  for (const node of nodes) {
    let left = node.memBytes;
    const windows = node.id === 0 ? [...LOW_RAM_WINDOWS, { start: FOUR_GIB, end: Infinity }] : [{ start: cursor, end: Infinity }];
    for (const w of windows) {
      if (left === 0) break;
      const take = Math.min(left, w.end - w.start + 1);
      node.ranges.push({ start: w.start, end: w.start + take - 1 });
      left -= take;
    }
    cursor = Math.max(FOUR_GIB, alignUp(node.ranges.at(-1)!.end + 1, blockSize));
  }
  const top = nodes.at(-1)!.ranges.at(-1)!.end;
  if (!Number.isSafeInteger(top)) {
    throw new ParkerError('E_SYNTHETIC', `invalid synthetic description ${JSON.stringify(formatSyntheticDescription(d))}: memory ends beyond 2^53`, 'lower mem or the number of nodes');
  }
  return nodes;
}

function nodeDistances(d: SyntheticDescription, nodes: SyntheticNode[]): number[][] {
  const { local, samePackage, remote, memoryOnly } = d.distances;
  // A memory-only node is as far as the first CPU node of its package, plus its own hop.
  const host = (n: SyntheticNode) => (n.hasCpu ? n : nodes.find((c) => c.hasCpu && c.package === n.package)!);
  const hop = memoryOnly - local;
  return nodes.map((a) =>
    nodes.map((b) => {
      if (a === b) return local;
      const ha = host(a);
      const hb = host(b);
      const base = ha === hb ? local : ha.package === hb.package ? samePackage : remote;
      return Math.min(254, base + (a.hasCpu ? 0 : hop) + (b.hasCpu ? 0 : hop));
    }),
  );
}

function zoneOf(address: number, movable: boolean): SyntheticBlock['zone'] | 'DMA' {
  if (movable) return 'Movable';
  return address < DMA_LIMIT ? 'DMA' : address < FOUR_GIB ? 'DMA32' : 'Normal';
}

function memoryBlocks(nodes: SyntheticNode[], blockSize: number): SyntheticBlock[] {
  const blocks: SyntheticBlock[] = [];
  for (const node of nodes) {
    const zonesByBlock = new Map<number, Set<string>>();
    for (const r of node.ranges) {
      for (let b = Math.floor(r.start / blockSize); b <= Math.floor(r.end / blockSize); b++) {
        const zones = zonesByBlock.get(b) ?? new Set<string>();
        const from = Math.max(r.start, b * blockSize);
        const to = Math.min(r.end, (b + 1) * blockSize - 1);
        zones.add(zoneOf(from, node.movable));
        zones.add(zoneOf(to, node.movable));
        zonesByBlock.set(b, zones);
      }
    }
    for (const [index, zones] of zonesByBlock) {
      const only = zones.size === 1 ? ([...zones][0] as SyntheticBlock['zone'] | 'DMA') : 'none';
      blocks.push({ index, node: node.id, zone: only === 'DMA' ? 'none' : only });
    }
  }
  return blocks.sort((a, b) => a.index - b.index);
}

/**
 * The CMA areas a Parker boot kernel reserves for `parker_cma=` (the last one on the line
 * counts): one per node, named parker<nid>, rounded up to 1 GiB and 1 GiB aligned, at the
 * top of the node's memory. A bare size is split evenly over the online nodes. As in the
 * kernel, a malformed value reserves nothing and an area that does not fit is left out.
 */
export function cmaAreas(cmdline: string, nodes: SyntheticNode[]): SyntheticCmaArea[] {
  const value = parkerCmaParameter(cmdline);
  if (value === null) return [];
  let sizes: Map<number, number>;
  try {
    sizes = parseParkerCma(value, nodes.map((n) => n.id));
  } catch {
    return [];
  }
  const areas: SyntheticCmaArea[] = [];
  for (const [nid, requested] of [...sizes].sort(([a], [b]) => a - b)) {
    const node = nodes[nid];
    const size = alignUp(requested, GiB);
    if (node === undefined || size === 0) continue;
    const last = node.ranges.at(-1)!;
    const start = Math.floor((last.end + 1 - size) / GiB) * GiB;
    if (start < last.start) continue;
    areas.push({ name: `parker${nid}`, node: nid, range: { start, end: start + size - 1 } });
  }
  return areas;
}

/** The drives and NICs that `nvme:K nic:K` put on each CPU node's own root bus. */
export const SYNTHETIC_NVME: Omit<SyntheticPciDevice, 'address' | 'node' | 'iommuGroup' | 'parent' | 'label'> = {
  vendor: 0x144d,
  device: 0xa80a,
  subsystemVendor: 0x144d,
  subsystemDevice: 0xa801,
  classCode: 0x010802,
  revision: 0x00,
  driver: 'nvme',
  msi: true,
  msixVectors: 130,
  sriovTotalVfs: 0,
  link: { gen: 4, width: 4 },
};

export const SYNTHETIC_NIC: Omit<SyntheticPciDevice, 'address' | 'node' | 'iommuGroup' | 'parent' | 'label'> = {
  vendor: 0x8086,
  device: 0x1593,
  subsystemVendor: 0x8086,
  subsystemDevice: 0x0002,
  classCode: 0x020000,
  revision: 0x02,
  driver: 'ice',
  msi: true,
  msixVectors: 1024,
  sriovTotalVfs: 64,
  link: { gen: 4, width: 16 },
};

/** The root bus of a CPU node: buses are shared out evenly, node 0 on bus 00. */
export function nodeRootBus(node: number, cpuNodes: number): number {
  return node * Math.max(1, Math.floor(256 / cpuNodes));
}

function pciDevices(d: SyntheticDescription, cpuNodes: number, nodes: number): SyntheticPciDevice[] {
  const canonical = (address: string) => formatPciAddress(parsePciAddress(address));
  const explicit = d.pciDevices.map((dev) => ({
    ...dev,
    address: canonical(dev.address),
    parent: dev.parent === null ? null : canonical(dev.parent),
  }));
  let group = explicit.reduce((m, dev) => Math.max(m, dev.iommuGroup + 1), 0);
  const generated: SyntheticPciDevice[] = [];
  for (let node = 0; node < cpuNodes; node++) {
    const bus = nodeRootBus(node, cpuNodes);
    const kinds = [
      ...Array.from({ length: d.nvmePerNode }, (_, i) => ({ base: SYNTHETIC_NVME, label: `NVMe drive ${i} of node ${node}` })),
      ...Array.from({ length: d.nicPerNode }, (_, i) => ({ base: SYNTHETIC_NIC, label: `NIC ${i} of node ${node}` })),
    ];
    kinds.forEach(({ base, label }, i) => {
      const address = formatPciAddress({ domain: 0, bus, device: i + 1, fn: 0 });
      generated.push({ ...base, address, node, iommuGroup: group++, parent: null, label });
    });
  }
  const all = [...explicit, ...generated].sort((a, b) => comparePciAddresses(a.address, b.address));
  const seen = new Map<string, SyntheticPciDevice>();
  for (const dev of all) {
    const other = seen.get(dev.address);
    if (other !== undefined) {
      throw new ParkerError('E_SYNTHETIC', `PCI address ${dev.address} is taken twice (${other.label}, ${dev.label})`, 'give every PCI function its own address');
    }
    seen.set(dev.address, dev);
  }
  for (const dev of all) {
    if (dev.node !== null && (dev.node < 0 || dev.node >= nodes)) {
      throw new ParkerError('E_SYNTHETIC', `PCI function ${dev.address} (${dev.label}) is on node ${dev.node}, which does not exist`, `use a node from 0 to ${nodes - 1}, or null for none`);
    }
    if (dev.parent === null) continue;
    const parent = seen.get(dev.parent);
    const bus = parsePciAddress(dev.address).bus;
    if (parent?.secondaryBus === undefined || bus < parent.secondaryBus || bus > (parent.subordinateBus ?? parent.secondaryBus)) {
      throw new ParkerError('E_SYNTHETIC', `PCI function ${dev.address} (${dev.label}) is not below bridge ${dev.parent}`, 'put it on a bus in the range of a bridge that exists');
    }
  }
  return all;
}

export interface SyntheticCacheShape {
  level: number;
  type: 'Data' | 'Instruction' | 'Unified';
  kbPerCore: number;
  ways: number;
}

/** Per-core shares of each cache; shared caches grow with the cores that share them. */
export const SYNTHETIC_CACHES: readonly SyntheticCacheShape[] = [
  { level: 1, type: 'Data', kbPerCore: 48, ways: 12 },
  { level: 1, type: 'Instruction', kbPerCore: 32, ways: 8 },
  { level: 2, type: 'Unified', kbPerCore: 2048, ways: 16 },
  { level: 3, type: 'Unified', kbPerCore: 4096, ways: 16 },
];
export const CACHE_LINE_SIZE = 64;
