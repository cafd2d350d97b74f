import * as posix from 'node:path/posix';
import { formatCpuList } from '../../units/cpulist.js';
import { formatCpuMask } from '../../units/cpumask.js';
import type { PhysRange } from '../../units/phys-range.js';
import type { Topology } from '../../topology/model.js';
import type { FileTree, TreeEntry } from '../file-tree.js';
import { KernelError, type Errno } from '../kernel-error.js';
import type { LoadedImage, SimEvent, SimPartition } from './sim-state.js';
import { SimHangError } from './sim-hang.js';

/** A CMA pool of one node: a fixed range and the ranges handed out of it. */
export interface CmaPool {
  node: number;
  name: string;
  range: PhysRange;
  /** Allocated ranges, sorted by start. */
  used: PhysRange[];
}

export interface Crash {
  at: number;
  reason: string;
}

interface HardwareIndex {
  possible: ReadonlySet<number>;
  /** The possible CPUs, ascending. */
  possibleInOrder: readonly number[];
  /** Indexes into hardware.nodes of the nodes listing each CPU. */
  nodesOfCpu: ReadonlyMap<number, readonly number[]>;
  /** Each CPU's node as hardware.cpu gives it (the first entry of an id). */
  nodeOfCpu: ReadonlyMap<number, number | null>;
}

/**
 * The machine's online and offline CPU lists, as formatCpuList prints them, in one pass over
 * the possible CPUs (ascending): they are rewritten after every hotplug change, and sorting
 * the 4,096 CPUs of a large machine each time costs more than the change itself. Online CPUs
 * that are not possible (no kernel has them) are still listed, through formatCpuList.
 */
export function onlineAndOfflineLists(possibleInOrder: readonly number[], online: ReadonlySet<number>): { online: string; offline: string } {
  const parts = { online: [] as string[], offline: [] as string[] };
  let onlineSeen = 0;
  let first = -1;
  let last = -1;
  let runOnline = false;
  const endRun = () => {
    if (first >= 0) (runOnline ? parts.online : parts.offline).push(first === last ? `${first}` : `${first}-${last}`);
  };
  for (const cpu of possibleInOrder) {
    const isOnline = online.has(cpu);
    if (isOnline) onlineSeen++;
    if (first >= 0 && isOnline === runOnline && cpu === last + 1) {
      last = cpu;
      continue;
    }
    endRun();
    first = last = cpu;
    runOnline = isOnline;
  }
  endRun();
  return { online: onlineSeen === online.size ? parts.online.join(',') : formatCpuList(online), offline: parts.offline.join(',') };
}

/**
 * The simulated boot kernel: the live sysfs tree and the state behind it. Subsystems
 * (cpu-hotplug.ts, memory-hotplug.ts, pci-binding.ts, parker-fs.ts, kexec.ts, app-kernel.ts)
 * change both together, so what tools read is always what the state says.
 */
export class SimKernel {
  readonly partitions = new Map<string, SimPartition>();
  /** Partitions made since the machine was (SimPartition.serial). */
  partitionsMade = 0;
  readonly pools = new Map<number, CmaPool>();
  /** Topology and cache directories of offline CPUs: the kernel removes them, we keep them to restore. */
  readonly offlineCpuDirs = new Map<number, { topology?: TreeEntry; cache?: TreeEntry }>();
  readonly online: Set<number>;
  /** The driver each device binds to when probed, from the machine as it was made. */
  readonly defaultDriver = new Map<string, string>();
  readonly events: SimEvent[] = [];
  kexec: LoadedImage | null = null;
  crash: Crash | null = null;
  /** Whether the boot kernel runs Parker (it reserved at least one pool): the filesystem type exists. */
  parkerEnabled = false;
  /** Whether the control filesystem is mounted at sys/fs/parker (a booted sim mounts it). */
  mounted = false;
  /** The partition directories while the control filesystem is unmounted: the kernel keeps them. */
  unmountedParker: TreeEntry | undefined;
  /** The boot kernel's own log lines that concern Parker (CMA reservations), oldest first. */
  readonly bootLog: string[] = [];
  /** CPUs a second `cpus` write replaced: offline and reserved until the machine reboots. */
  readonly strandedCpus = new Set<number>();
  /** Application kernels started since the machine booted: the seed of their KASLR choices. */
  starts = 0;
  /** Simulated time in ms since the machine was created. */
  clock = 0;
  private hardwareIndex: HardwareIndex | null = null;

  constructor(
    readonly tree: FileTree,
    /** The hardware as it was made, every CPU online: the simulator's own knowledge. */
    readonly hardware: Topology,
    readonly cmdline: string,
  ) {
    this.online = new Set(hardware.cpus.online);
    for (const device of hardware.pci) if (device.driver) this.defaultDriver.set(device.address, device.driver);
  }

  fail(errno: Errno, op: string, path: string, detail?: string): never {
    throw new KernelError(errno, op, path, detail);
  }

  /**
   * The caller would never get an answer (a blocked read, a writer killed by an oops): an
   * error event, then a SimHangError the caller cannot mistake for an errno.
   */
  hang(kind: SimHangError['kind'], op: string, path: string, reason: string, kernel?: string): never {
    this.event('error', `${op} ${path} ${kind === 'blocked' ? 'blocked in the kernel' : 'oopsed the boot kernel and its writer was killed'}: ${reason}`, kernel ? { kernel } : {});
    throw new SimHangError(kind, op, path, reason);
  }

  /** Refuses everything once the machine has crashed, as a dead machine would. */
  checkAlive(op: string, path: string): void {
    if (this.crash) this.fail('EIO', op, path, `the simulated machine crashed: ${this.crash.reason}; run \`parker sim reset\``);
  }

  event(severity: SimEvent['severity'], message: string, extra: { hazard?: string; kernel?: string } = {}): void {
    this.events.push({ at: this.clock, severity, message, ...extra });
  }

  // ---- tree helpers: sysfs attributes end in a newline

  put(path: string, value: string | number): void {
    this.tree.file(path, `${value}\n`);
  }

  text(path: string): string | null {
    const entry = this.tree.get(path);
    if (entry?.type !== 'file') return null;
    return (typeof entry.data === 'string' ? entry.data : new TextDecoder().decode(entry.data)).trim();
  }

  /** Canonical directory of a PCI device, or null when it does not exist. */
  deviceDir(address: string): string | null {
    return this.tree.realpath(`sys/bus/pci/devices/${address}`) ?? null;
  }

  link(path: string, target: string): void {
    this.tree.link(path, posix.relative(posix.dirname(path), target));
  }

  /**
   * Rewrites the CPU masks and lists that follow the online set: the machine's, and those of
   * the nodes holding a CPU of `changed` (every node when it is not given).
   */
  syncCpuFiles(changed?: Iterable<number>): void {
    const all = this.hardware.cpus.possible;
    const lists = onlineAndOfflineLists(this.index().possibleInOrder, this.online);
    this.put('sys/devices/system/cpu/online', lists.online);
    this.put('sys/devices/system/cpu/offline', lists.offline);
    for (const node of changed === undefined ? this.hardware.nodes : this.nodesOf(changed)) {
      const dir = `sys/devices/system/node/node${node.id}`;
      if (!this.tree.get(dir)) continue;
      const cpus = node.cpus.filter((c) => this.online.has(c));
      this.put(`${dir}/cpulist`, formatCpuList(cpus));
      this.put(`${dir}/cpumap`, formatCpuMask(cpus, all.length));
    }
  }

  /** The hardware's nodes that hold any of these CPUs, in the hardware's order. */
  private nodesOf(cpus: Iterable<number>): Topology['nodes'] {
    const wanted = new Set<number>();
    for (const cpu of cpus) for (const i of this.index().nodesOfCpu.get(cpu) ?? []) wanted.add(i);
    return this.hardware.nodes.filter((_, i) => wanted.has(i));
  }

  /** Whether the hardware has this CPU (cpus.possible). */
  isPossibleCpu(cpu: number): boolean {
    return this.index().possible.has(cpu);
  }

  /** Which partition owns a CPU, if any. */
  ownerOfCpu(cpu: number): SimPartition | undefined {
    return this.ownersOfCpus([cpu]).get(cpu);
  }

  /**
   * The partition owning each of these CPUs, for those a partition owns (the first partition
   * when several list one). One pass over the partitions however many CPUs are asked about.
   */
  ownersOfCpus(cpus: Iterable<number>): Map<number, SimPartition> {
    const wanted = new Set(cpus);
    const owners = new Map<number, SimPartition>();
    for (const p of this.partitions.values()) {
      for (const cpu of p.cpus) if (wanted.has(cpu) && !owners.has(cpu)) owners.set(cpu, p);
    }
    return owners;
  }

  ownerOfDevice(address: string): SimPartition | undefined {
    for (const p of this.partitions.values()) if (p.devices.includes(address)) return p;
    return undefined;
  }

  nodeOfCpu(cpu: number): number | null {
    return this.index().nodeOfCpu.get(cpu) ?? null;
  }

  /** Look-ups into the hardware, which never changes: made on first use. */
  private index(): HardwareIndex {
    if (this.hardwareIndex) return this.hardwareIndex;
    const nodesOfCpu = new Map<number, number[]>();
    this.hardware.nodes.forEach((node, i) => {
      for (const cpu of node.cpus) nodesOfCpu.set(cpu, [...(nodesOfCpu.get(cpu) ?? []), i]);
    });
    const nodeOfCpu = new Map<number, number | null>();
    for (const c of this.hardware.cpu) if (!nodeOfCpu.has(c.id)) nodeOfCpu.set(c.id, c.node);
    const possible = new Set(this.hardware.cpus.possible);
    this.hardwareIndex = { possible, possibleInOrder: [...possible].sort((a, b) => a - b), nodesOfCpu, nodeOfCpu };
    return this.hardwareIndex;
  }
}
