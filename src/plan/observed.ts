import type { Topology } from '../topology/model.js';
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

/** What the planner compares the layout with. */
export interface Observed {
  topology: Topology;
  partitions: ObservedPartition[];
}
