import type { Topology } from './model.js';

/**
 * A live topology with the structure of the hardware filled in. Linux removes the topology
 * and cache files of offline CPUs, and partitions keep their CPUs offline in the boot kernel,
 * so on a Parker machine the structure (packages, cores, caches, each CPU's node) must come
 * from a discovery made while every CPU was online. The live state (online CPUs, drivers,
 * memory blocks, pools, partitions, command line) always comes from now.
 */
export function withHardware(live: Topology, hardware: Topology | null): Topology {
  if (hardware === null || !missesStructure(live)) return live;
  const online = new Set(live.cpus.online);
  return {
    ...hardware,
    machine: live.machine,
    kernel: live.kernel,
    cpus: live.cpus,
    cpu: hardware.cpu.map((c) => ({ ...c, online: online.has(c.id) })),
    memory: live.memory,
    pci: live.pci,
    cma: live.cma,
    parker: live.parker,
  };
}

/**
 * Why a hardware structure read back from a file (a snapshot's metadata, the host's or the
 * simulator's record) lacks what withHardware takes from it; null when it has it all.
 */
export function hardwareRecordProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'it is not an object';
  const t = value as Record<string, unknown>;
  for (const key of ['cpu', 'packages', 'cores', 'caches', 'nodes'] as const) if (!Array.isArray(t[key])) return `its ${key} is not a list`;
  if ((t.cpu as unknown[]).some((c) => typeof c !== 'object' || c === null || typeof (c as { id?: unknown }).id !== 'number')) return 'a CPU in it has no id';
  return null;
}

/** Whether some possible CPU has no known package (offline, its files gone). */
export function missesStructure(t: Topology): boolean {
  return t.cpu.some((c) => c.package === null);
}

/**
 * A machine that knows its hardware's structure as seen with every CPU online: the simulator
 * (its own hardware), a snapshot that recorded it, a host that recorded it at first sight.
 */
export interface HardwareRecord {
  /** The structure, given what discovery sees now (a host records it when every CPU is online). */
  hardware?(live: Topology): Topology | null;
  /**
   * The hardware, when it cannot have changed since it was recorded and is known without
   * looking (the simulator always; a host within the boot it recorded it in): live discovery
   * then reads only what changes (discoverOverHardware). Null when not known so.
   */
  fixedHardware?(): HardwareStructure | null;
}

/**
 * What discoverOverHardware takes from a record: the CPUs' structure, and the nodes when it
 * must stand in for live ones (CPUs offline). A whole Topology is one; a synthetic machine
 * builds one from its description without discovering it (synthetic/hardware.ts).
 */
export type HardwareStructure = Pick<Topology, 'cpu' | 'packages' | 'cores' | 'caches' | 'warnings'> & { nodes?: Topology['nodes'] };

export function hardwareOf(machine: object, live: Topology): Topology | null {
  return (machine as HardwareRecord).hardware?.(live) ?? null;
}

export function fixedHardwareOf(machine: object): HardwareStructure | null {
  return (machine as HardwareRecord).fixedHardware?.() ?? null;
}
