import type { Profile } from '../spec/spec-schema.js';
import type { Topology } from '../topology/model.js';
import type { KernelPlacement, PlacementQuality } from './resolved-layout.js';

/**
 * Costs of a kernel's placement (docs/placement.md). A kernel pays for every NUMA node and
 * every LLC beyond the fewest that could hold its CPUs on this machine, for every CPU of its
 * own that reaches its memory on another node beyond the fewest that must, for every core it
 * shares with another kernel, for every device away from its memory node, and, by profile, for
 * every other kernel on one of its last-level caches. Lower is better; a perfectly local
 * kernel scores 0.
 */
export const SCORE_WEIGHTS = {
  node: 100,
  llc: 10,
  splitCore: 50,
  remoteDevice: 20,
  remoteMemoryCpu: 2,
  sharedLlc: { latency: 40, throughput: 10, balanced: 0 },
} as const;

/** What a kernel pays for each other kernel (the boot kernel included) on one of its LLCs. */
export function sharedLlcWeight(profile: Profile | undefined): number {
  return SCORE_WEIGHTS.sharedLlc[profile ?? 'balanced'];
}

/** A kernel as the layout score reads it. */
export type ScoredKernel = Pick<KernelPlacement, 'cpus' | 'quality'> & { profile?: Profile | undefined };

/** Quality and score of placements on one topology; builds its lookups once. */
export class PlacementScorer {
  /** By CPU id: node, LLC (index into caches) and core (index into cores); -1 when unknown. */
  private readonly cpuNode: Int32Array;
  private readonly cpuLlc: Int32Array;
  private readonly cpuCore: Int32Array;
  private readonly cores: readonly (readonly number[])[];
  private readonly deviceNode = new Map<string, number | null>();
  /** CPUs per node and per LLC, largest first: the fewest nodes/LLCs that hold N CPUs. */
  private readonly nodeSizes: number[];
  private readonly llcSizes: number[];

  constructor(topology: Topology) {
    let limit = 0;
    for (const cpu of topology.cpu) limit = Math.max(limit, cpu.id + 1);
    for (const core of topology.cores) for (const cpu of core.cpus) limit = Math.max(limit, cpu + 1);
    this.cpuNode = new Int32Array(limit).fill(-1);
    this.cpuLlc = new Int32Array(limit).fill(-1);
    this.cpuCore = new Int32Array(limit).fill(-1);
    this.cores = topology.cores.map((c) => c.cpus);
    const perNode = new Map<number, number>();
    const perLlc = new Map<number, number>();
    for (const cpu of topology.cpu) {
      if (cpu.node !== null) {
        this.cpuNode[cpu.id] = cpu.node;
        perNode.set(cpu.node, (perNode.get(cpu.node) ?? 0) + 1);
      }
      if (cpu.llc !== null) {
        this.cpuLlc[cpu.id] = cpu.llc;
        perLlc.set(cpu.llc, (perLlc.get(cpu.llc) ?? 0) + 1);
      }
    }
    topology.cores.forEach((core, i) => {
      for (const cpu of core.cpus) this.cpuCore[cpu] = i;
    });
    for (const device of topology.pci) this.deviceNode.set(device.address, device.node);
    this.nodeSizes = [...perNode.values()].sort((a, b) => b - a);
    this.llcSizes = [...perLlc.values()].sort((a, b) => b - a);
  }

  nodeOf(cpu: number): number | null {
    return lookup(this.cpuNode, cpu);
  }

  quality(cpus: readonly number[], devices: readonly string[], memoryNode: number | null): PlacementQuality {
    const mine = new Set(cpus);
    const nodes = new Set<number>();
    const llcs = new Set<number>();
    const seenCores = new Set<number>();
    let splitCores = 0;
    for (const cpu of mine) {
      const node = lookup(this.cpuNode, cpu);
      if (node !== null) nodes.add(node);
      const llc = lookup(this.cpuLlc, cpu);
      if (llc !== null) llcs.add(llc);
      const core = lookup(this.cpuCore, cpu);
      if (core === null || seenCores.has(core)) continue;
      seenCores.add(core);
      if (this.cores[core]!.some((sibling) => !mine.has(sibling))) splitCores++;
    }
    const remoteDevices =
      memoryNode === null
        ? []
        : devices.filter((address) => {
            const node = this.deviceNode.get(address);
            return node !== undefined && node !== null && node !== memoryNode;
          });
    let remoteMemoryCpus = 0;
    if (memoryNode !== null) for (const cpu of mine) if (lookup(this.cpuNode, cpu) !== memoryNode) remoteMemoryCpus++;
    return { nodes: sortedNumbers(nodes), llcs: sortedNumbers(llcs), splitCores, remoteDevices, remoteMemoryCpus, sharedLlcs: 0 };
  }

  /** Index into topology.caches of a CPU's last-level cache, or null. */
  llcOf(cpu: number): number | null {
    return lookup(this.cpuLlc, cpu);
  }

  /**
   * For each kernel, how many (last-level cache, other kernel) pairs it has: every other
   * application kernel, and the boot kernel, with a CPU on one of its LLCs counts once per LLC.
   */
  llcNeighbours(kernels: readonly Pick<KernelPlacement, 'cpus'>[], bootCpus: readonly number[]): number[] {
    const owners = new Map<number, Set<number>>();
    const add = (cpu: number, owner: number) => {
      const llc = lookup(this.cpuLlc, cpu);
      if (llc === null) return;
      let set = owners.get(llc);
      if (!set) owners.set(llc, (set = new Set()));
      set.add(owner);
    };
    for (const cpu of bootCpus) add(cpu, -1);
    kernels.forEach((k, i) => {
      for (const cpu of k.cpus) add(cpu, i);
    });
    return kernels.map((k, i) => {
      const llcs = new Set<number>();
      for (const cpu of k.cpus) {
        const llc = lookup(this.cpuLlc, cpu);
        if (llc !== null) llcs.add(llc);
      }
      let pairs = 0;
      for (const llc of llcs) pairs += owners.get(llc)!.size - (owners.get(llc)!.has(i) ? 1 : 0);
      return pairs;
    });
  }

  /** The fewest of `cpuCount` CPUs that must reach memory on another node: those beyond the largest node. */
  minimalRemoteCpus(cpuCount: number): number {
    return Math.max(0, cpuCount - (this.nodeSizes[0] ?? 0));
  }

  /** The fewest NUMA nodes that could hold `cpuCount` CPUs on this machine. */
  minimalNodes(cpuCount: number): number {
    return fewestHolding(this.nodeSizes, cpuCount);
  }

  /** The fewest last-level caches that could hold `cpuCount` CPUs on this machine. */
  minimalLlcs(cpuCount: number): number {
    return fewestHolding(this.llcSizes, cpuCount);
  }

  kernelScore(kernel: ScoredKernel): number {
    const n = new Set(kernel.cpus).size;
    const q = kernel.quality;
    return (
      SCORE_WEIGHTS.node * Math.max(0, q.nodes.length - this.minimalNodes(n)) +
      SCORE_WEIGHTS.llc * Math.max(0, q.llcs.length - this.minimalLlcs(n)) +
      SCORE_WEIGHTS.remoteMemoryCpu * Math.max(0, (q.remoteMemoryCpus ?? 0) - this.minimalRemoteCpus(n)) +
      SCORE_WEIGHTS.splitCore * q.splitCores +
      SCORE_WEIGHTS.remoteDevice * q.remoteDevices.length +
      sharedLlcWeight(kernel.profile) * (q.sharedLlcs ?? 0)
    );
  }

  layoutScore(kernels: readonly ScoredKernel[]): number {
    return kernels.reduce((sum, kernel) => sum + this.kernelScore(kernel), 0);
  }
}

function lookup(table: Int32Array, cpu: number): number | null {
  const value = cpu >= 0 && cpu < table.length ? table[cpu]! : -1;
  return value < 0 ? null : value;
}

function fewestHolding(sizesLargestFirst: readonly number[], count: number): number {
  let held = 0;
  for (let i = 0; i < sizesLargestFirst.length; i++) {
    if (held >= count) return i;
    held += sizesLargestFirst[i]!;
  }
  return sizesLargestFirst.length;
}

function sortedNumbers(values: Iterable<number>): number[] {
  return [...values].sort((a, b) => a - b);
}

/** Score of one kernel of a placement (for reports that show it per kernel). */
export function kernelPlacementScore(kernel: ScoredKernel, topology: Topology): number {
  return new PlacementScorer(topology).kernelScore(kernel);
}
