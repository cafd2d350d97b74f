import * as fs from 'node:fs';
import * as path from 'node:path';
import { inKernelFilesystem } from '../units/kernel-paths.js';
import { ParkerError } from '../units/parker-error.js';
import { defaultStateDir } from '../machines/sim/sim-store.js';
import { hostRunsParker } from '../machines/host/host-machine.js';
import type { MachineChoice } from './machine-choice.js';

/**
 * A real host keeps its journal, applied layout and recorded hardware where administrators
 * look, one per machine whichever user runs parker; its lock lives with the other run-time
 * locks, gone at the next boot with the partitions it guarded.
 */
export const HOST_STATE_DIR = '/var/lib/parker';
export const HOST_LOCK_DIR = '/run/parker';

/** Whether the flags name this computer (explicitly, or by default on a Parker boot kernel). */
export function choosesHost(flags: MachineChoice): boolean {
  if (flags.machine !== undefined) return flags.machine === 'host';
  return flags.root === undefined && flags.synthetic === undefined && flags.from === undefined && hostRunsParker();
}

/**
 * The state directory: --state-dir, else $PARKER_STATE_DIR, else /var/lib/parker on a host and
 * the user's state directory for the simulator. A place inside the kernel's own filesystems is
 * refused, never written.
 */
export function stateDirOf(flags: MachineChoice): string {
  const fix = 'choose a directory on a real filesystem with --state-dir or PARKER_STATE_DIR';
  // An empty --state-dir would be the current directory: never what was meant.
  if (flags.stateDir === '') throw new ParkerError('E_USAGE', '--state-dir is empty', fix);
  const chosen = flags.stateDir ?? (process.env.PARKER_STATE_DIR || undefined) ?? (choosesHost(flags) ? HOST_STATE_DIR : defaultStateDir());
  const dir = path.resolve(chosen);
  if (inKernelFilesystem(dir)) throw new ParkerError('E_USAGE', `state directory ${dir} is inside /proc, /sys or /dev`, fix);
  // Where it really is, as far as it exists: a link may lead into /sys, or to nothing.
  let existing = dir;
  while (!fs.existsSync(existing)) {
    let link: fs.Stats | null = null;
    try {
      link = fs.lstatSync(existing);
    } catch {
      link = null;
    }
    if (link?.isSymbolicLink()) throw new ParkerError('E_USAGE', `state directory ${dir}: ${existing} is a link to nothing`, fix);
    existing = path.dirname(existing);
  }
  const real = fs.realpathSync(existing);
  if (inKernelFilesystem(real)) throw new ParkerError('E_USAGE', `state directory ${dir} is inside /proc, /sys or /dev (${existing} is ${real})`, fix);
  if (!fs.statSync(real).isDirectory()) {
    throw new ParkerError('E_USAGE', existing === dir ? `state directory ${dir} is not a directory` : `state directory ${dir}: ${existing} is not a directory`, fix);
  }
  return dir;
}

/** Where the apply lock of a state directory lives. */
export function lockDirFor(stateDir: string): string {
  return stateDir === HOST_STATE_DIR ? HOST_LOCK_DIR : stateDir;
}
