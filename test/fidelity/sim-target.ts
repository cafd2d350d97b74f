import type { SimMachine } from '../../src/machines/sim/sim-machine.js';
import type { FidelityTarget } from './script.mjs';

/** The fidelity script's view of a simulated machine. */
export function simTarget(machine: SimMachine): FidelityTarget {
  return { fs: machine.fs, mount: () => machine.mount(), umount: () => machine.umount(), bootLog: () => machine.bootLog() };
}
