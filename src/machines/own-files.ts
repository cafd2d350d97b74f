import * as fs from 'node:fs';
import { notRegularWords } from './bounded-read.js';
import { ParkerError } from '../units/parker-error.js';

// The files parker writes in its state directory (the journal, the simulator's op log,
// applied.json and their temporary files) are opened so that a symbolic link, a FIFO or a
// device put in their place is refused, never written through: parker writes nothing outside
// the directories it was given.

function refused(file: string, kind: string): ParkerError {
  return new ParkerError('E_STATE_CORRUPT', `${file} is ${kind}, not a file parker wrote`, `parker writes only its own regular files there: move it aside (mv ${file} ${file}.aside) and run the command again`);
}

/**
 * Opens one of parker's own files with `flags` (O_CREAT among them to make it): never through a
 * symbolic link (O_NOFOLLOW), never waiting on a FIFO (O_NONBLOCK), and only a regular file.
 * Other errors of the open (ENOENT, EACCES) are Node's, for the caller to put in words.
 */
export function openOwnFile(file: string, flags: number, mode = 0o644): number {
  let fd: number;
  try {
    fd = fs.openSync(file, flags | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK, mode);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw refused(file, 'a symbolic link');
    // A FIFO with no reader, opened to write without blocking.
    if (code === 'ENXIO') throw refused(file, 'a FIFO (named pipe)');
    throw e;
  }
  const kind = notRegularWords(fs.fstatSync(fd));
  if (kind) {
    fs.closeSync(fd);
    throw refused(file, kind);
  }
  return fd;
}

/**
 * Creates `file` anew to write, for a temporary file renamed into place afterwards: whatever a
 * killed writer left there (or anything else, a link included) is removed first, and the file
 * is created exclusively, so that nothing put there meanwhile is written through.
 */
export function createFreshFile(file: string, mode = 0o644): number {
  fs.rmSync(file, { force: true });
  return openOwnFile(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, mode);
}

/** Writes `text` to `file` through a fresh temporary file renamed over it, fsync'd when `durable`. */
export function replaceOwnFile(file: string, tmp: string, text: string, { mode = 0o644, durable = false } = {}): void {
  const fd = createFreshFile(tmp, mode);
  try {
    fs.writeSync(fd, text);
    if (durable) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
