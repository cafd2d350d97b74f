import type { Topology } from '../topology/model.js';
import { ascending } from '../units/ascending.js';

/**
 * The placeable part of a topology, indexed for placement: cores grouped by last-level cache
 * within a NUMA node. A "group" is one LLC on one node (an LLC that spans nodes makes one
 * group per node; CPUs without LLC information make one group per node), so every group
 * lies in exactly one node. Cores of unknown node are not placeable by count.
 */
export interface CoreSlot {
  index: number;
  /** Sorted CPU ids of the core's threads. */
  readonly cpus: readonly number[];
  node: number;
  group: number;
}

export interface LlcGroup {
  index: number;
  node: number;
  /** Index into topology.caches, or null when the CPUs have no LLC information. */
  cache: number | null;
  /** Core slot indexes, by first CPU. */
  cores: number[];
  /** CPUs in the group. */
  size: number;
}

export class CpuIndex {
  readonly cores: CoreSlot[] = [];
  readonly groups: LlcGroup[] = [];
  /** Nodes with placeable cores, ascending. */
  readonly nodes: number[];
  readonly groupsOfNode = new Map<number, number[]>();
  /** Most threads any core has: the unit of whole-core requests. */
  readonly threadsPerCore: number;
  /** One past the highest CPU id the topology mentions. */
  readonly cpuLimit: number;
  private readonly coreOf: Int32Array;
  private readonly nodeOf: Int32Array;
  private readonly llcOf: Int32Array;

  constructor(readonly topology: Topology) {
    let highest = -1;
    for (const cpu of topology.cpu) highest = Math.max(highest, cpu.id);
    for (const core of topology.cores) for (const cpu of core.cpus) highest = Math.max(highest, cpu);
    this.cpuLimit = highest + 1;
    this.coreOf = new Int32Array(this.cpuLimit).fill(-1);
    this.nodeOf = new Int32Array(this.cpuLimit).fill(-1);
    this.llcOf = new Int32Array(this.cpuLimit).fill(-1);
    for (const cpu of topology.cpu) {
      if (cpu.node !== null) this.nodeOf[cpu.id] = cpu.node;
      if (cpu.llc !== null) this.llcOf[cpu.id] = cpu.llc;
    }

    const slots: { cpus: readonly number[]; node: number; cache: number | null; key: number }[] = [];
    // One key per (node, cache); CPUs without a cache share the key after the last cache.
    const noCache = topology.caches.length;
    for (const core of topology.cores) {
      const cpus = ascending(core.cpus);
      const first = cpus[0];
      if (first === undefined) continue;
      const node = core.node ?? this.nodeOfCpu(first);
      if (node === null) continue;
      const cache = this.llcOfCpu(first);
      slots.push({ cpus, node, cache, key: node * (noCache + 1) + (cache ?? noCache) });
    }
    slots.sort((a, b) => a.node - b.node || a.cpus[0]! - b.cpus[0]!);
    // Groups are numbered by node, then by their first CPU: the order slots are now in.
    const groupOfKey = new Map<number, LlcGroup>();
    for (const slot of slots) {
      let group = groupOfKey.get(slot.key);
      if (group === undefined) {
        group = { index: this.groups.length, node: slot.node, cache: slot.cache, cores: [], size: 0 };
        groupOfKey.set(slot.key, group);
        this.groups.push(group);
        const list = this.groupsOfNode.get(group.node) ?? [];
        list.push(group.index);
        this.groupsOfNode.set(group.node, list);
      }
      const core: CoreSlot = { index: this.cores.length, cpus: slot.cpus, node: slot.node, group: group.index };
      this.cores.push(core);
      group.cores.push(core.index);
      group.size += core.cpus.length;
      for (const cpu of core.cpus) this.coreOf[cpu] = core.index;
    }
    this.nodes = [...this.groupsOfNode.keys()].sort((a, b) => a - b);
    this.threadsPerCore = Math.max(1, ...this.cores.map((c) => c.cpus.length));
  }

  /** Core slot index of a CPU, or null when the CPU is not placeable. */
  coreOfCpu(cpu: number): number | null {
    const core = cpu >= 0 && cpu < this.cpuLimit ? this.coreOf[cpu]! : -1;
    return core < 0 ? null : core;
  }

  nodeOfCpu(cpu: number): number | null {
    const node = cpu >= 0 && cpu < this.cpuLimit ? this.nodeOf[cpu]! : -1;
    return node < 0 ? null : node;
  }

  /** Index into topology.caches of the CPU's last-level cache, or null. */
  llcOfCpu(cpu: number): number | null {
    const llc = cpu >= 0 && cpu < this.cpuLimit ? this.llcOf[cpu]! : -1;
    return llc < 0 ? null : llc;
  }
}

export type Granularity = 'core' | 'thread';

/**
 * Which placeable CPUs are still free, with per-core and per-group counts kept current so
 * that a placement costs work per group, not per CPU of the machine.
 */
export class FreeCpus {
  private readonly free: Uint8Array;
  /** Free CPUs per core slot. */
  private readonly coreFree: Int32Array;
  /** CPUs of wholly free cores, per group. */
  private readonly groupWhole: Int32Array;
  /** Free CPUs per group. */
  private readonly groupFree: Int32Array;

  constructor(readonly index: CpuIndex) {
    this.free = new Uint8Array(index.cpuLimit);
    this.coreFree = new Int32Array(index.cores.length);
    this.groupWhole = new Int32Array(index.groups.length);
    this.groupFree = new Int32Array(index.groups.length);
    for (const core of index.cores) {
      for (const cpu of core.cpus) this.free[cpu] = 1;
      this.coreFree[core.index] = core.cpus.length;
      this.groupWhole[core.group]! += core.cpus.length;
      this.groupFree[core.group]! += core.cpus.length;
    }
  }

  isFree(cpu: number): boolean {
    return cpu >= 0 && cpu < this.free.length && this.free[cpu] === 1;
  }

  isWholeCoreFree(core: number): boolean {
    return this.coreFree[core] === this.index.cores[core]!.cpus.length;
  }

  /** Marks CPUs as taken; CPUs already taken or not placeable are ignored. */
  take(cpus: Iterable<number>): void {
    for (const cpu of cpus) {
      if (!this.isFree(cpu)) continue;
      const coreIndex = this.index.coreOfCpu(cpu)!;
      const core = this.index.cores[coreIndex]!;
      if (this.isWholeCoreFree(coreIndex)) this.groupWhole[core.group]! -= core.cpus.length;
      this.free[cpu] = 0;
      this.coreFree[coreIndex]! -= 1;
      this.groupFree[core.group]! -= 1;
    }
  }

  /** Gives CPUs back (a placement that could not be completed). */
  release(cpus: Iterable<number>): void {
    for (const cpu of cpus) {
      const coreIndex = this.index.coreOfCpu(cpu);
      if (coreIndex === null || this.free[cpu] === 1) continue;
      const core = this.index.cores[coreIndex]!;
      this.free[cpu] = 1;
      this.coreFree[coreIndex]! += 1;
      this.groupFree[core.group]! += 1;
      if (this.isWholeCoreFree(coreIndex)) this.groupWhole[core.group]! += core.cpus.length;
    }
  }

  /** CPUs a request of this granularity can still get from a group. */
  capacity(group: number, granularity: Granularity): number {
    return granularity === 'core' ? this.groupWhole[group]! : this.groupFree[group]!;
  }

  /** The free CPUs a request of this granularity could use in a group, ascending. */
  usableCpus(group: number, granularity: Granularity): number[] {
    const out: number[] = [];
    for (const coreIndex of this.index.groups[group]!.cores) {
      const core = this.index.cores[coreIndex]!;
      if (granularity === 'core' && !this.isWholeCoreFree(coreIndex)) continue;
      for (const cpu of core.cpus) if (this.free[cpu] === 1) out.push(cpu);
    }
    return out.sort((a, b) => a - b);
  }

  /** The lowest free CPU a request of this granularity could take from a group, or Infinity. */
  firstUsableCpu(group: number, granularity: Granularity): number {
    let first = Infinity;
    for (const coreIndex of this.index.groups[group]!.cores) {
      const core = this.index.cores[coreIndex]!;
      if (granularity === 'core' && !this.isWholeCoreFree(coreIndex)) continue;
      for (const cpu of core.cpus) if (this.free[cpu] === 1 && cpu < first) first = cpu;
    }
    return first;
  }

  /**
   * Takes `amount` CPUs from one group and returns them. Whole free cores come first (lowest
   * CPUs first); with thread granularity the rest comes from cores already split (fragmented
   * places first), then by splitting a free core. Returns fewer when the group cannot give more.
   */
  takeFromGroup(group: number, amount: number, granularity: Granularity): number[] {
    const chosen: number[] = [];
    const cores = this.index.groups[group]!.cores;
    let remaining = amount;
    for (const coreIndex of cores) {
      const core = this.index.cores[coreIndex]!;
      if (remaining < core.cpus.length) continue;
      if (!this.isWholeCoreFree(coreIndex)) continue;
      chosen.push(...core.cpus);
      remaining -= core.cpus.length;
      if (remaining === 0) break;
    }
    this.take(chosen);
    if (granularity === 'thread' && remaining > 0) {
      const loose: number[] = [];
      for (const pass of ['split', 'whole'] as const) {
        for (const coreIndex of cores) {
          if (remaining === 0) break;
          if ((pass === 'split') === this.isWholeCoreFree(coreIndex)) continue;
          for (const cpu of this.index.cores[coreIndex]!.cpus) {
            if (remaining === 0) break;
            if (this.free[cpu] !== 1 || loose.includes(cpu)) continue;
            loose.push(cpu);
            remaining--;
          }
        }
      }
      this.take(loose);
      chosen.push(...loose);
    }
    return chosen.sort((a, b) => a - b);
  }

  /** Every free placeable CPU, ascending. */
  allFree(): number[] {
    const out: number[] = [];
    for (let cpu = 0; cpu < this.free.length; cpu++) if (this.free[cpu] === 1) out.push(cpu);
    return out;
  }
}
