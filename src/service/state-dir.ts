import * as fs from 'node:fs';
import * as path from 'node:path';
import { ParkerError } from '../units/parker-error.js';
import { defaultStateDir } from '../machines/sim/sim-store.js';

/** The state directory; a place inside the kernel's own filesystems is refused, never written. */
export function stateDirOf(flags: { stateDir?: string }): string {
  const dir = path.resolve(flags.stateDir ?? defaultStateDir());
  if (/^\/(proc|sys|dev)(\/|$)/.test(dir)) {
    throw new ParkerError('E_USAGE', `state directory ${dir} is inside /proc, /sys or /dev`, 'choose a directory on a real filesystem with --state-dir or PARKER_STATE_DIR');
  }
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) {
    throw new ParkerError('E_USAGE', `state directory ${dir} is not a directory`, 'choose a directory with --state-dir or PARKER_STATE_DIR');
  }
  return dir;
}

