import { ParkerError } from '../units/parker-error.js';
import type { Machine } from '../machines/machine.js';

/** Commands that change a machine refuse the ones that can only be described, before anything runs. */
export function requireChangeable(machine: Machine, command: string): void {
  if (machine.kind === 'root' || machine.kind === 'synthetic' || machine.kind === 'archive') {
    throw new ParkerError(
      'E_USAGE',
      `${command} changes a machine, and ${machine.description} can only be described`,
      'use parker plan to see what would happen, or make a simulated machine of it: parker sim create --synthetic/--from/--root, then run the command with --machine sim',
    );
  }
}
