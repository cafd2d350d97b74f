import * as fs from 'node:fs';
import { ParkerError } from '../units/parker-error.js';
import { formatSizeHuman } from '../units/size.js';

/** What a file is, in words, when it is not a regular file. */
export function notRegularWords(stat: fs.Stats): string | null {
  if (stat.isFile()) return null;
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/** Size limits of the files parker reads (a layout, a kernel's .config, images, snapshots). */
export const READ_LIMITS = {
  layout: 1 << 20,
  config: 8 << 20,
  /** All the distinct .config files of one layout together (a kernel's is about 300 KiB). */
  configsTotal: 128 << 20,
  image: 256 << 20,
  initrd: 1 << 30,
  snapshot: 64 << 20,
  /** What a snapshot may unpack to. */
  unpacked: 256 << 20,
  stateFile: 64 << 20,
} as const;

/**
 * Reads a whole file, but only a regular file and at most `maxBytes`: a layout, an image or a
 * `.config` that names /dev/zero or a FIFO fails at once with E_TOO_BIG instead of reading
 * forever. The open does not block (O_NONBLOCK: a FIFO with no writer). Errors of the open
 * itself (ENOENT, EACCES) and a directory (EISDIR) are thrown as Node's errors, for the caller
 * to put in words.
 */
export function readBoundedFile(file: string, maxBytes: number, what: string): Buffer {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw Object.assign(new Error(`EISDIR: ${file} is a directory`), { code: 'EISDIR' });
    const kind = notRegularWords(stat);
    if (kind) throw new ParkerError('E_TOO_BIG', `${what} ${file} is ${kind}, not a regular file`, `name a regular file for the ${what}`);
    if (stat.size > maxBytes) throw tooBig(file, what, maxBytes, stat.size);
    const chunks: Buffer[] = [];
    let total = 0;
    // The first read asks for one byte more than the file's size (a file that grows while it is
    // read shows it), then 1 MiB at a time; never zero-filled (only what was read is kept). A
    // 20 KB kernel image used to cost two zeroed 1 MiB buffers.
    // (procfs files say 0: 64 KiB first.)
    let want = Math.min(stat.size > 0 ? stat.size + 1 : 1 << 16, maxBytes + 1);
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.max(1, Math.min(want, maxBytes + 1 - total)));
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > maxBytes) throw tooBig(file, what, maxBytes, null);
      want = 1 << 20;
    }
    return Buffer.concat(chunks, total);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads a stream (standard input: a pipe, a terminal) to its end, but at most `maxBytes`: an
 * endless one fails with E_TOO_BIG once it has sent more. A stream opened without blocking by
 * whoever passed it is waited for (EAGAIN), not taken for its end.
 */
export function readBoundedStream(fd: number, maxBytes: number, what: string): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.min(1 << 16, maxBytes + 1 - total));
    let n: number;
    try {
      n = fs.readSync(fd, chunk, 0, chunk.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
      continue;
    }
    if (n === 0) break;
    chunks.push(chunk.subarray(0, n));
    total += n;
    if (total > maxBytes) throw new ParkerError('E_TOO_BIG', `${what} sent more than ${formatSizeHuman(maxBytes)}`, `send at most ${formatSizeHuman(maxBytes)}`);
  }
  return Buffer.concat(chunks, total);
}

/**
 * The bytes of a regular file from `from` to its end (from its start when it is shorter: a log
 * rotated or truncated), at most the last `maxBytes` of them, and whether older ones were left
 * out; null when it is missing, unreadable or no regular file. Opened without blocking: a FIFO
 * in its place answers null at once.
 */
export function readRegularTail(file: string, from: number, maxBytes: number): { bytes: Buffer; cut: boolean } | null {
  let begin = 0;
  const read = readRegularRange(
    file,
    (size) => {
      begin = size >= from ? from : 0;
      return Math.max(begin, size - maxBytes);
    },
    maxBytes,
  );
  return read && { bytes: read.bytes, cut: read.from > begin };
}

/**
 * At most `maxBytes` of a regular file from the offset `from` chooses (given the file's size
 * and inode), with where they start, the inode, and whether they reach its end; null when it
 * is missing, unreadable or no regular file. Opened without blocking, as readRegularTail.
 */
export function readRegularRange(file: string, from: (size: number, ino: number) => number, maxBytes: number): { bytes: Buffer; from: number; ino: number; complete: boolean } | null {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return null;
    const start = from(stat.size, stat.ino);
    const length = Math.max(0, Math.min(stat.size - start, maxBytes));
    const bytes = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = fs.readSync(fd, bytes, got, length - got, start + got);
      if (n === 0) break;
      got += n;
    }
    return { bytes: bytes.subarray(0, got), from: start, ino: stat.ino, complete: start + got >= stat.size };
  } catch {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function tooBig(file: string, what: string, maxBytes: number, size: number | null): ParkerError {
  return new ParkerError('E_TOO_BIG', `${what} ${file} is ${size === null ? 'larger than' : `${formatSizeHuman(size)}, over`} the limit of ${formatSizeHuman(maxBytes)}`, `name a ${what} within ${formatSizeHuman(maxBytes)}`);
}

/**
 * A boot file (image, initrd) on this computer: its size and, when `read`, its bytes; null when
 * it does not exist. Never blocks and never reads more than `maxBytes` (see readBoundedFile).
 */
export function localBootFile(file: string, options: { maxBytes: number; read: boolean }, what: string): { size: number; bytes: Uint8Array | null } | null {
  try {
    if (options.read) {
      const bytes = readBoundedFile(file, options.maxBytes, what);
      return { size: bytes.length, bytes };
    }
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const stat = fs.fstatSync(fd);
      const kind = notRegularWords(stat);
      if (kind) throw new ParkerError('E_TOO_BIG', `${what} ${file} is ${kind}, not a regular file`, `name a regular file for the ${what}`);
      if (stat.size > options.maxBytes) throw tooBig(file, what, options.maxBytes, stat.size);
      return { size: stat.size, bytes: null };
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}
