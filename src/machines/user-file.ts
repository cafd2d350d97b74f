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

/**
 * Where `file` is as the kernel finds it: its directory's links (and a `..` after them) followed,
 * its own name kept. A directory that cannot be resolved (it does not exist) is E_IO: a name is
 * never guessed by its text, which would take `link/nope/..` for the directory holding `link`.
 */
export function physicalPath(file: string, flag: string): string {
  // path.dirname keeps "link/..", which realpath(3) resolves after the link, as open(2) does.
  const dir = path.dirname(file);
  try {
    return path.join(fs.realpathSync.native(dir), path.basename(file));
  } catch (e) {
    throw new ParkerError('E_IO', `cannot write ${file}: ${dir}: ${errnoWords(e)}`, `choose a writable path for ${flag}`);
  }
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

/** O_PATH (Linux): a descriptor that names a file without opening it, so that a device is looked at before anything opens it. */
const O_PATH = 0o10000000;

/**
 * Writes a file a user named, `flag` naming the option in messages; every failure is E_IO and
 * leaves nothing behind. Standard output and standard error (by any of their names) are
 * written to through the process's own streams, after what was printed before; so is a FIFO
 * (waiting for its reader, as a shell does) or a terminal. Anything else is written whole or not
 * at all, through a temporary file beside it renamed over it. A directory, a socket, a block
 * device or another character device is refused, as is a new file in /proc, /sys or /dev.
 */
export function writeUserFile(file: string, data: string | Uint8Array, flag: string): void {
  const fail = (why: string) => new ParkerError('E_IO', `cannot write ${file}: ${why}`, `choose a writable path for ${flag}`);
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const std = standardStreamFd(file);
  if (std !== null) {
    const stream = std === 1 ? process.stdout : process.stderr;
    if (stream.writableLength > 0) {
      // Behind what the process printed and is still queued there (a slow pipe); the bin lets
      // the queue drain before it exits, and says so if it cannot.
      stream.write(bytes);
      return;
    }
    // Nothing queued: written now, so that a full disk or a closed descriptor is said here.
    try {
      writeAll(std, bytes);
    } catch (e) {
      throw fail(errnoWords(e));
    }
    return;
  }
  if (file.endsWith('/')) throw fail('it names a directory');
  // Looked at through O_PATH, then (a stream) opened through that descriptor: the file opened
  // is the one looked at, even if a link is swapped in meanwhile.
  let named: number | null = null;
  try {
    named = fs.openSync(file, O_PATH);
  } catch (e) {
    // None there yet, or a link to nothing: made anew. Anything else (a part of the path that
    // is a file, a loop of links, no permission) is said.
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fail(errnoWords(e));
  }
  if (named !== null) {
    try {
      const target = fs.fstatSync(named);
      if (target.isFIFO() || (target.isCharacterDevice() && isStreamDevice(target.rdev))) {
        writeStream(file, named, target, bytes, fail);
        return;
      }
      if (!target.isFile()) throw fail(`it is ${notRegularWords(target)}`);
    } finally {
      fs.closeSync(named);
    }
  }
  replaceUserFile(physicalPath(file, flag), bytes, fail);
}

/**
 * Puts `bytes` at `destination` through a temporary file renamed over it. A file that was there
 * keeps its mode and owner when it was its owner's to begin with: not one another user left in
 * a shared directory such as /tmp, which would then hold root's output under that user's control.
 */
function replaceUserFile(destination: string, bytes: Uint8Array, fail: (why: string) => ParkerError): void {
  const dir = path.dirname(destination);
  if (inKernelFilesystem(dir)) throw fail(`parker makes no files in ${dir}`);
  let kept: fs.Stats | null = null;
  try {
    const here = fs.lstatSync(destination);
    const shared = fs.statSync(dir);
    const sharedDir = (shared.mode & 0o1000) !== 0 && (shared.mode & 0o022) !== 0; // sticky and writable by others
    if (here.isFile() && (!sharedDir || here.uid === process.getuid?.() || here.uid === 0)) kept = here;
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

/**
 * Writes to the FIFO or terminal `named` (an O_PATH descriptor of `file`) holds, opened through
 * it; where there is no /proc (a chroot, a rescue system), opened by its name again and checked
 * to be the same.
 */
function writeStream(file: string, named: number, target: fs.Stats, bytes: Uint8Array, fail: (why: string) => ParkerError): void {
  // A terminal without waiting for a serial line's carrier; a FIFO waits for its reader.
  const flags = fs.constants.O_WRONLY | fs.constants.O_NOCTTY | (target.isCharacterDevice() ? fs.constants.O_NONBLOCK : 0);
  let fd: number;
  try {
    fd = fs.openSync(`/proc/self/fd/${named}`, flags);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fail(errnoWords(e));
    try {
      fd = fs.openSync(file, flags);
    } catch (again) {
      throw fail(errnoWords(again));
    }
  }
  try {
    const opened = fs.fstatSync(fd);
    if (opened.dev !== target.dev || opened.ino !== target.ino) throw fail('it changed while parker opened it');
    writeAll(fd, bytes);
  } catch (e) {
    throw e instanceof ParkerError ? e : fail(errnoWords(e));
  } finally {
    fs.closeSync(fd);
  }
}
