import * as fs from 'node:fs';
import { childProcess } from '../../units/late-builtins.js';
import * as path from 'node:path';
import { KernelError, type Errno } from '../kernel-error.js';
import { readRegularTail } from '../bounded-read.js';
import { createFreshFile } from '../own-files.js';
import { ParkerError } from '../../units/parker-error.js';
import { errnoWords } from '../../units/errno-words.js';

/** How long a refusal of the start write (EINVAL, EBUSY) takes to show before we call it started. */
export const START_GRACE_MS = 2000;

const ERRNO_BY_SHELL_MESSAGE: [RegExp, Errno][] = [
  [/Invalid argument/i, 'EINVAL'],
  [/busy/i, 'EBUSY'],
  [/No such file|nonexistent/i, 'ENOENT'],
  [/Permission denied/i, 'EACCES'],
  [/No such device/i, 'ENODEV'],
  [/Cannot allocate memory/i, 'ENOMEM'],
];

/** A status file's text: small, regular, never waited on; null when there is none. */
function readSmall(file: string): string | null {
  const read = readRegularTail(file, 0, 4096);
  return read === null ? null : read.bytes.toString('utf8');
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Writes a partition's `online` file from a separate, detached process. On a Parker boot
 * kernel that write starts the application kernel and then busy-waits, with no timeout, until
 * the new kernel sets online=1: a kernel that never comes up would hang parker itself. The
 * writer is left to the kernel and writes its exit status to `statusFile` when the write
 * returns; a refusal shows within START_GRACE_MS and is thrown with its errno. Until the status
 * is there, the host's records say "starting" and nobody reads the partition's files (a read
 * of `online` blocks while the start write runs). Returns the writer's pid.
 */
export function writeStartFile(file: string, value: string, shownPath: string, statusFile: string, graceMs = START_GRACE_MS): number | null {
  // The shell's redirection would create a missing file; a kernel file is never created by writing.
  if (!fs.existsSync(file)) throw new KernelError('ENOENT', 'write', shownPath);
  const status = statusFile;
  // The writer's stderr and its exit status go to files made here, anew (a link left in their
  // place is removed, not written through), handed to it open.
  const opened: number[] = [];
  let child;
  try {
    opened.push(createFreshFile(`${status}.err`));
    opened.push(createFreshFile(`${status}.tmp`));
    child = childProcess().spawn('sh', ['-c', 'printf "%s\\n" "$1" >"$2"; echo $? >&3; mv "$3.tmp" "$3"', 'parker-start', value, file, status], {
      detached: true,
      stdio: ['ignore', 'ignore', opened[0], opened[1]],
    });
  } catch (e) {
    throw e instanceof ParkerError ? e : new ParkerError('E_IO', `cannot record the start of ${shownPath} in ${path.dirname(status)}: ${errnoWords(e)}`, 'parker keeps a host\'s starts in /run/parker: check that it is a writable directory');
  } finally {
    for (const fd of opened) fs.closeSync(fd);
  }
  // A shell that cannot be run at all (none on the PATH) has no pid; its error event is that.
  child.once('error', () => {});
  if (child.pid === undefined) throw new ParkerError('E_IO', `cannot start the write of ${shownPath}: sh could not be run`, 'parker needs a POSIX shell (sh) on the PATH');
  child.unref();
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    const written = readSmall(status);
    if (written !== null && written.trim() !== '') {
      const code = Number(written.trim());
      if (code === 0) return child.pid ?? null;
      const message = (readSmall(`${status}.err`) ?? '').trim();
      const errno = ERRNO_BY_SHELL_MESSAGE.find(([pattern]) => pattern.test(message))?.[1] ?? 'EIO';
      throw new KernelError(errno, 'write', shownPath, message || undefined);
    }
    sleepSync(20);
  }
  // Still writing: the boot kernel has jumped into the new kernel and waits for it.
  return child.pid ?? null;
}
