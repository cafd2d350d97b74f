import type { Machine } from '../machines/machine.js';
import type { ServiceEvent } from './events.js';

/**
 * Asked before anything changes a machine. The CLI asks on a terminal (or takes --yes); an
 * HTTP API answers from its own authorisation. `false`: nothing changes.
 */
export type ConfirmPolicy = (request: { action: string; machine: Machine }) => Promise<boolean>;

/** What every service function that may change a machine is given. */
export interface ServiceContext {
  /**
   * Opens the machine. Read-only first; writable only once the confirmation policy allowed a
   * change (a host opened writable can change this computer).
   */
  open(options?: { writable?: boolean }): Machine;
  /** The journal, the lock, the applied layout (and the simulator's state) live here. */
  stateDir: string;
  confirm: ConfirmPolicy;
  onEvent?: (event: ServiceEvent) => void;
  now(): Date;
}
