import type { PhysRange } from '../../units/phys-range.js';

/** Where a simulated machine's hardware comes from. */
export type SimSource =
  | { kind: 'default' }
  | { kind: 'synthetic'; description: string }
  | { kind: 'archive'; path: string }
  | { kind: 'root'; path: string };

export type PartitionStatus = 'created' | 'booting' | 'online' | 'hung' | 'halted' | 'stopped';

/** A Parker partition as the simulated boot kernel keeps it. */
export interface SimPartition {
  name: string;
  id: number;
  /**
   * Which partition of the machine's life this is: 1 for the first made, and so on. Ids are
   * reused (the RFC's counter); this is not, so a follower of a console tells a partition made
   * again under the same name and id from the one it was following.
   */
  serial: number;
  controlStructure: number;
  cpus: number[];
  memory: PhysRange | null;
  devices: string[];
  online: boolean;
  status: PartitionStatus;
  /** The application kernel's console, one line per entry. */
  console: string[];
  /** Simulated time (ms) it came online, for status. */
  onlineAt: number | null;
  /** Its effective command line while running. */
  cmdline: string | null;
  /** Whether `online` was ever written: a partition is single-use (a second start resets the machine). */
  started: boolean;
  /**
   * Set when the partition's mutex is held for good (a `bind` that oopsed): every later
   * operation on its files blocks. The reason, for the events.
   */
  stuck: string | null;
  /** The application kernel reached userspace (its console printed the init line). */
  ready: boolean;
}

export interface LoadedImage {
  path: string;
  version: string | null;
  cmdline: string;
  initrd: string | null;
  /** Where the image was placed: inside the window when one was given. */
  placedAt: PhysRange;
}

export interface SimEvent {
  /** Simulated time, ms since the machine was created. */
  at: number;
  severity: 'info' | 'warning' | 'error';
  /** Hazard id when a machine-global hazard caused it. */
  hazard?: string;
  kernel?: string;
  message: string;
}
