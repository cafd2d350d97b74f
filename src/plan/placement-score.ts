import type { Topology } from '../topology/model.js';
import type { KernelPlacement, PlacementQuality } from './resolved-layout.js';

/**
 * Costs of a kernel's placement (docs/placement.md). A kernel pays for every NUMA node and
 * every LLC beyond the fewest that could hold its CPUs on this machine, for every core it
 * shares with another kernel, and for every device away from its memory node. Lower is better;
 * a perfectly local kernel scores 0.
 */
export const SCORE_WEIGHTS = { node: 100, llc: 10, splitCore: 50, remoteDevice: 20 } as const;

/** Quality and score of placements on one topology; builds its lookups once. */
export class PlacementScorer {
  private readonly cpuNode = new Map<number, number>();
  private readonly cpuLlc = new Map<number, number>();
  private readonly coreOfCpu = new Map<number, readonly number[]>();
  private readonly deviceNode = new Map<string, number | null>();
  /** CPUs per node and per LLC, largest first: the fewest nodes/LLCs that hold N CPUs. */
  private readonly nodeSizes: number[];
  private readonly llcSizes: number[];

  constructor(topology: Topology) {
    const perNode = new Map<number, number>();
    const perLlc = new Map<number, number>();
    for (const cpu of topology.cpu) {
      if (cpu.node !== null) {
        this.cpuNode.set(cpu.id, cpu.node);
        perNode.set(cpu.node, (perNode.get(cpu.node) ?? 0) + 1);
      }
      if (cpu.llc !== null) {
        this.cpuLlc.set(cpu.id, cpu.llc);
        perLlc.set(cpu.llc, (perLlc.get(cpu.llc) ?? 0) + 1);
      }
    }
    for (const core of topology.cores) for (const cpu of core.cpus) this.coreOfCpu.set(cpu, core.cpus);
    for (const device of topology.pci) this.deviceNode.set(device.address, device.node);
    this.nodeSizes = [...perNode.values()].sort((a, b) => b - a);
    this.llcSizes = [...perLlc.values()].sort((a, b) => b - a);
  }

  nodeOf(cpu: number): number | null {
    return this.cpuNode.get(cpu) ?? null;
  }

  quality(cpus: readonly number[], devices: readonly string[], memoryNode: number | null): PlacementQuality {
    const mine = new Set(cpus);
    const nodes = new Set<number>();
    const llcs = new Set<number>();
    const seenCores = new Set<readonly number[]>();
    let splitCores = 0;
    for (const cpu of mine) {
      const node = this.cpuNode.get(cpu);
      if (node !== undefined) nodes.add(node);
      const llc = this.cpuLlc.get(cpu);
      if (llc !== undefined) llcs.add(llc);
      const core = this.coreOfCpu.get(cpu);
      if (core === undefined || seenCores.has(core)) continue;
      seenCores.add(core);
      if (core.some((sibling) => !mine.has(sibling))) splitCores++;
    }
    const remoteDevices =
      memoryNode === null
        ? []
        : devices.filter((address) => {
            const node = this.deviceNode.get(address);
            return node !== undefined && node !== null && node !== memoryNode;
          });
    return { nodes: sortedNumbers(nodes), llcs: sortedNumbers(llcs), splitCores, remoteDevices };
  }

  /** The fewest NUMA nodes that could hold `cpuCount` CPUs on this machine. */
  minimalNodes(cpuCount: number): number {
    return fewestHolding(this.nodeSizes, cpuCount);
  }

  /** The fewest last-level caches that could hold `cpuCount` CPUs on this machine. */
  minimalLlcs(cpuCount: number): number {
    return fewestHolding(this.llcSizes, cpuCount);
  }

  kernelScore(kernel: Pick<KernelPlacement, 'cpus' | 'quality'>): number {
    const n = new Set(kernel.cpus).size;
    const q = kernel.quality;
    return (
      SCORE_WEIGHTS.node * Math.max(0, q.nodes.length - this.minimalNodes(n)) +
      SCORE_WEIGHTS.llc * Math.max(0, q.llcs.length - this.minimalLlcs(n)) +
      SCORE_WEIGHTS.splitCore * q.splitCores +
      SCORE_WEIGHTS.remoteDevice * q.remoteDevices.length
    );
  }

  layoutScore(kernels: readonly Pick<KernelPlacement, 'cpus' | 'quality'>[]): number {
    return kernels.reduce((sum, kernel) => sum + this.kernelScore(kernel), 0);
  }
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
export function kernelPlacementScore(kernel: Pick<KernelPlacement, 'cpus' | 'quality'>, topology: Topology): number {
  return new PlacementScorer(topology).kernelScore(kernel);
}
