import type { Cpu, PciDevice } from '../topology/model.js';
import type { PhysRange } from '../units/phys-range.js';

/** A partition as the machine's kernel shows it: the truth the planner diffs against. */
export interface ObservedPartition {
  name: string;
  id: number | null;
  /** Control structure physical address ("0x..."), or null. */
  controlStructure: string | null;
  /** CPUs, sorted. */
  cpus: number[];
  /** Allocated memory range, or null before any is allocated. */
  memory: PhysRange | null;
  devices: string[];
  online: boolean;
}

/**
 * What the plan needs of the machine beside its partitions: which CPUs are online and can be
 * brought back, and which devices have no driver (the boot kernel's side of the plan). A whole
 * Topology is one; `parker start` reads just these files (src/service/boot-resources.ts).
 */
export interface ObservedResources {
  cpus: { online: number[] };
  cpu: Pick<Cpu, 'id' | 'hotpluggable'>[];
  pci: Pick<PciDevice, 'address' | 'driver'>[];
}

/** What the planner compares the layout with. */
export interface Observed {
  topology: ObservedResources;
  partitions: ObservedPartition[];
}
