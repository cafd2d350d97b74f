import * as fs from 'node:fs';
import * as path from 'node:path';
import { notRegularWords } from './bounded-read.js';
import { createFreshFile } from './own-files.js';
import { ParkerError } from '../units/parker-error.js';
import { errnoWords } from '../units/errno-words.js';
import { inKernelFilesystem } from '../units/kernel-paths.js';

// The files a user names for parker to write (plan --out, gather -f, sim image -f). parker often
// runs as root, and such a name may be in /tmp, where anyone can plant a link: so a file is
// written whole through a temporary file renamed over the name (a link is replaced, never
// written through), and only a stream (a FIFO, a terminal, /dev/null, standard output) is
// written to in place, as a shell's redirection would.

/** Where `file` is as the kernel finds it: its directory's links (and a `..` after them) followed, its own name kept. */
export function physicalPath(file: string): string {
  // path.dirname keeps "link/..", which realpath(3) resolves after the link, as open(2) does.
  const dir = path.dirname(file);
  let real: string;
  try {
    real = fs.realpathSync.native(dir);
  } catch {
    real = path.resolve(dir);
  }
  return path.join(real, path.basename(file));
}

/** The descriptor a name for standard output or standard error stands for (/dev/stdout, /dev/fd/2, /proc/self/fd/1), else null. */
export function standardStreamFd(file: string): 1 | 2 | null {
  const name = path.resolve(file);
  const match = /^\/dev\/std(out|err)$/.exec(name) ?? new RegExp(`^/(?:dev|proc/(?:self|thread-self|${process.pid}))/fd/([12])$`).exec(name);
  if (!match) return null;
  return match[1] === 'out' || match[1] === '1' ? 1 : 2;
}

/**
 * Character devices that are streams: /dev/null and terminals (virtual consoles and serial
 * ports, /dev/tty, /dev/console, pseudo-terminals). Any other device (a watchdog, /dev/port, a
 * disk) is never opened: opening some of them acts.
 */
function isStreamDevice(rdev: number): boolean {
  const major = (rdev >> 8) & 0xfff;
  const minor = (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
  return (major === 1 && minor === 3) || major === 4 || (major === 5 && minor <= 1) || (major >= 136 && major <= 143);
}

/** Writes all of `bytes` to `fd`, waiting out a non-blocking descriptor that is full. */
function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) {
    try {
      done += fs.writeSync(fd, bytes, done, bytes.length - done);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

/**
 * Writes a file a user named, `flag` naming the option in messages; every failure is E_IO and
 * leaves nothing behind. Standard output and standard error (by any of their names) are written
 * to; so is a FIFO (waiting for its reader, as a shell does) or a terminal. Anything else is
 * written whole or not at all, through a temporary file beside it renamed over it, keeping the
 * mode and owner of a file that was there. A directory, a socket, a block device or another
 * character device is refused, as is a new file in /proc, /sys or /dev.
 */
export function writeUserFile(file: string, data: string | Uint8Array, flag: string): void {
  const fail = (why: string) => new ParkerError('E_IO', `cannot write ${file}: ${why}`, `choose a writable path for ${flag}`);
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const std = standardStreamFd(file);
  if (std !== null) {
    try {
      writeAll(std, bytes);
    } catch (e) {
      throw fail(errnoWords(e));
    }
    return;
  }
  let target: fs.Stats | null = null;
  try {
    target = fs.statSync(file);
  } catch (e) {
    // None there yet, or a link to nothing: made anew. Anything else (a part of the path that
    // is a file, a loop of links, no permission) is said.
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fail(errnoWords(e));
  }
  if (target && (target.isFIFO() || (target.isCharacterDevice() && isStreamDevice(target.rdev)))) {
    writeStream(file, target, bytes, fail);
    return;
  }
  if (target && !target.isFile()) throw fail(`it is ${notRegularWords(target)}`);
  const destination = physicalPath(file);
  const dir = path.dirname(destination);
  if (inKernelFilesystem(dir)) throw fail(`parker makes no files in ${dir}`);
  // A file there itself keeps its mode and owner; a link is replaced by a file of parker's.
  let kept: fs.Stats | null = null;
  try {
    const here = fs.lstatSync(destination);
    if (here.isFile()) kept = here;
  } catch {
    kept = null;
  }
  const tmp = path.join(dir, `.${path.basename(destination)}.parker-${process.pid}.tmp`);
  try {
    const fd = createFreshFile(tmp, 0o644);
    try {
      if (kept) {
        if (process.getuid?.() === 0 && (kept.uid !== 0 || kept.gid !== 0)) fs.fchownSync(fd, kept.uid, kept.gid);
        fs.fchmodSync(fd, kept.mode & 0o777);
      }
      writeAll(fd, bytes);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, destination);
  } catch (e) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // Not ours to remove (something else took the name).
    }
    throw e instanceof ParkerError ? fail(e.message) : fail(errnoWords(e));
  }
}

/** Writes to a FIFO or a terminal in place: the one that was checked, or nothing (it changed meanwhile). */
function writeStream(file: string, checked: fs.Stats, bytes: Uint8Array, fail: (why: string) => ParkerError): void {
  let fd: number;
  try {
    // No O_CREAT and no O_TRUNC: if a file took the stream's place meanwhile, it is not touched.
    fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NOCTTY);
  } catch (e) {
    throw fail(errnoWords(e));
  }
  try {
    const opened = fs.fstatSync(fd);
    if (opened.dev !== checked.dev || opened.ino !== checked.ino) throw fail('it changed while parker opened it');
    writeAll(fd, bytes);
  } catch (e) {
    throw e instanceof ParkerError ? e : fail(errnoWords(e));
  } finally {
    fs.closeSync(fd);
  }
}
