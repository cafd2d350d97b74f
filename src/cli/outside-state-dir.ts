import * as fs from 'node:fs';
import * as path from 'node:path';
import { physicalPath } from '../machines/user-file.js';
import { ParkerError } from '../units/parker-error.js';

/** Whether `file` is in `dir`, as the filesystem finds them (links followed as far as they exist). */
function isInside(file: string, dir: string, flag: string): boolean {
  const real = (p: string): string => {
    try {
      return fs.realpathSync.native(p);
    } catch {
      const up = path.dirname(p);
      return up === p ? p : path.join(real(up), path.basename(p));
    }
  };
  // The file's own name is not followed: a link there is replaced, not written through.
  const where = physicalPath(file, flag);
  const root = real(dir);
  return where === root || where.startsWith(root + path.sep);
}

/**
 * Refuses a file a user names for output (`plan --out`, `gather -f`) inside the state directory:
 * it would overwrite the journal, the applied layout or the simulated machine. (`sim image -f`
 * may write there: the simulated machine's /boot is the state directory's sim/files/boot.)
 */
export function refuseInsideStateDir(file: string, flag: string, stateDir: string): void {
  if (isInside(file, stateDir, flag)) {
    throw new ParkerError('E_USAGE', `${flag} ${file} is inside the state directory ${stateDir}`, "write it elsewhere: parker's journal, applied layout and simulated machine live there");
  }
}
