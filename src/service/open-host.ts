import type { Machine } from '../machines/machine.js';
import { hostMachine, hostRunsParker } from '../machines/host/host-machine.js';
import { stateDirOf } from './state-dir.js';
import { withHostHardware } from './host-hardware.js';
import type { MachineChoice } from './machine-choice.js';

/** Which of the machine flags were given (at most one may be). */
export function machineFlagsGiven(flags: MachineChoice): ('machine' | 'root' | 'synthetic' | 'from')[] {
  return (['machine', 'root', 'synthetic', 'from'] as const).filter((k) => flags[k] !== undefined);
}

/**
 * Whether the machine flags choose this computer: `--machine host`, or no machine flag on a
 * computer that runs a Parker kernel. Its own file, so that a command on a host loads neither
 * the simulator nor the snapshot and hwloc readers (open-machine.ts): under emulation, loading
 * them was a large part of a `parker start`.
 */
export function hostChosen(flags: MachineChoice): boolean {
  const given = machineFlagsGiven(flags);
  if (given.length === 0) return hostRunsParker();
  return given.length === 1 && flags.machine === 'host';
}

/** This computer, read from / (and changed through it when `writable`), with its recorded hardware. */
export function openHost(flags: MachineChoice, options: { writable?: boolean } = {}): Machine {
  return withHostHardware(hostMachine('/', options.writable ?? false), stateDirOf(flags));
}
