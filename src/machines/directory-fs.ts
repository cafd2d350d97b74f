import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { KernelError, fromNodeError } from './kernel-error.js';
import type { KernelFs } from './machine.js';

/**
 * The kernel files a host may write, as paths relative to the root with every link resolved:
 * a CPU's and a memory block's online state, the PCI driver controls, and Parker's control
 * filesystem. Anything else is refused (EACCES) before it is opened.
 */
const WRITABLE: readonly RegExp[] = [
  /^sys\/devices\/system\/cpu\/cpu\d+\/online$/,
  /^sys\/devices\/system\/memory\/memory\d+\/(state|online)$/,
  /^sys\/bus\/pci\/drivers_probe$/,
  /^sys\/bus\/pci\/drivers\/[^/]+\/(bind|unbind)$/,
  /^sys\/(bus\/pci\/devices\/|devices\/(.+\/)?)[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]\/(driver_override|driver\/unbind)$/,
  /^sys\/fs\/parker\/[^/]+(\/[^/]+)?$/,
];
/** Where directories may be made and removed: partitions, in Parker's control filesystem. */
const DIRECTORIES = /^sys\/fs\/parker\/[^/]+$/;
/** The largest file a read returns: kernel files are small; a larger one is not a kernel file. */
const READ_LIMIT = 16 << 20;

/**
 * A KernelFs over a real directory: "/" for this computer, or a copied sysfs/procfs tree.
 * Paths never leave the root: ".." past it and absolute paths are refused, and a symbolic
 * link that leads out of the root is not followed (EACCES), so nothing is read or written
 * outside the machine root the caller gave. Writes go only to the kernel files WRITABLE
 * lists, mkdir and rmdir only in sys/fs/parker, each judged on the path with its links
 * resolved; reads take only regular files of at most READ_LIMIT bytes (never a FIFO or a
 * device that would block or never end: under a root other than "/" such a file inside the
 * root is opened non-blocking and refused before any read, see readWith).
 */
export class DirectoryFs implements KernelFs {
  readonly root: string;
  /** The root with its own links resolved, against which resolved paths are checked. */
  private realRoot: string | null = null;

  constructor(
    root: string,
    private readonly writable = false,
  ) {
    this.root = nodePath.resolve(root);
  }

  private rootReal(): string {
    if (this.realRoot === null) {
      try {
        this.realRoot = fs.realpathSync.native(this.root);
      } catch {
        this.realRoot = this.root;
      }
    }
    return this.realRoot;
  }

  /** A real (link-free) absolute path as a path relative to the root, or null when it lies outside. */
  private insideRoot(real: string): string | null {
    const root = this.rootReal();
    if (real === root) return '';
    if (root === '/') return real.slice(1);
    return real.startsWith(root + nodePath.sep) ? real.slice(root.length + 1) : null;
  }

  /**
   * The path with every link resolved, refused (EACCES) when a link leads out of the root;
   * ENOENT when it does not exist. On "/" every path is inside: only the relative path is given.
   */
  private real(path: string, op: string): { full: string; relative: string } {
    const full = this.resolve(path);
    let real: string;
    try {
      real = fs.realpathSync.native(full);
    } catch (e) {
      throw fromNodeError(e, op, path);
    }
    const relative = this.insideRoot(real);
    if (relative === null) throw new KernelError('EACCES', op, path, `a symbolic link leads out of the machine root (to ${real})`);
    return { full: real, relative };
  }

  /** Directories (as given, resolved against the root) and where they really are, once proved inside the root. */
  private readonly realDirs = new Map<string, string>();
  /**
   * The same for plain relative directory paths as callers give them
   * ("sys/devices/system/cpu/cpu3"); "" when the directory is where the path says, under the
   * root's real place (as nearly every one is), so that no second string is kept for it.
   */
  private readonly realByRelative = new Map<string, string>();
  /** The directory of the last place() and its real place. */
  private lastDir = '';
  private lastReal = '';

  /**
   * Where the last component of a path really is: its directory's real place, proved inside the
   * root, and its name. The root itself is its real place.
   */
  private place(path: string, op: string): string {
    const slash = path.lastIndexOf('/');
    if (slash > 0 && isPlainRelative(path)) {
      const dir = path.slice(0, slash);
      // Reads come in runs in one directory (a cache's level, type, size...): no lookup for those.
      if (dir === this.lastDir) return this.lastReal + path.slice(slash);
      const real = this.realOfDir(dir, op, path);
      this.lastDir = dir;
      this.lastReal = real;
      return real + path.slice(slash);
    }
    const full = this.resolve(path);
    if (full === this.root) return this.rootReal();
    const last = full.lastIndexOf('/');
    return this.realDir(full.slice(0, last) || '/', op, path) + full.slice(last);
  }

  /** realDir for a plain relative directory path, through realByRelative. */
  private realOfDir(dir: string, op: string, path: string): string {
    const known = this.realByRelative.get(dir);
    if (known !== undefined) return known === '' ? this.rootReal() + '/' + dir : known;
    const slash = dir.lastIndexOf('/');
    const candidate = (slash < 0 ? this.rootReal() : this.realOfDir(dir.slice(0, slash), op, path)) + '/' + dir.slice(slash + 1);
    const real = this.realOfCandidate(candidate, op, path);
    this.realByRelative.set(dir, real === this.rootReal() + '/' + dir ? '' : real);
    return real;
  }

  /** Where a directory whose parent's real place is known really is: one lstat, a full resolve only for a link, which must stay inside the root. */
  private realOfCandidate(candidate: string, op: string, path: string): string {
    let real = candidate;
    try {
      if (fs.lstatSync(candidate).isSymbolicLink()) real = fs.realpathSync.native(candidate);
    } catch (e) {
      throw fromNodeError(e, op, path);
    }
    if (this.insideRoot(real) === null) throw new KernelError('EACCES', op, path, `a symbolic link leads out of the machine root (to ${real})`);
    return real;
  }

  private realDir(full: string, op: string, path: string): string {
    if (full === this.root) return this.rootReal();
    const cached = this.realDirs.get(full);
    if (cached !== undefined) return cached;
    // From the parent's real place: one lstat per directory, a full resolve only for a link.
    const slash = full.lastIndexOf('/');
    const candidate = this.realDir(slash <= 0 ? '/' : full.slice(0, slash), op, path) + full.slice(slash);
    const real = this.realOfCandidate(candidate, op, path);
    this.realDirs.set(full, real);
    return real;
  }

  /**
   * The real path a write to `path` goes to, once it is proved to be a kernel file parker may
   * write (WRITABLE) inside the root's kernel filesystems. Also for writers in other processes.
   */
  writablePath(path: string): string {
    const where = this.real(path, 'write');
    if (!WRITABLE.some((r) => r.test(where.relative))) {
      throw new KernelError('EACCES', 'write', path, where.relative === path.replace(/^\/+/, '') ? 'not a kernel file parker writes' : `it leads to ${where.relative}, not a kernel file parker writes`);
    }
    return where.full;
  }

  /** The real path of a directory to make or remove: only a partition's, in Parker's control filesystem. */
  private directoryPath(path: string, op: string): string {
    const full = this.resolve(path);
    const name = nodePath.basename(full);
    const parent = this.real(nodePath.relative(this.root, nodePath.dirname(full)) || '.', op);
    const relative = parent.relative === '' ? name : `${parent.relative}/${name}`;
    if (!DIRECTORIES.test(relative) || name === '.' || name === '..') throw new KernelError('EACCES', op, path, 'directories are made and removed only in sys/fs/parker');
    const target = nodePath.join(parent.full, name);
    if (op === 'rmdir') {
      let stat: fs.Stats;
      try {
        stat = fs.lstatSync(target);
      } catch (e) {
        throw fromNodeError(e, op, path);
      }
      if (!stat.isDirectory()) throw new KernelError(stat.isSymbolicLink() ? 'EACCES' : 'ENOTDIR', op, path, stat.isSymbolicLink() ? 'it is a symbolic link' : undefined);
    }
    return target;
  }

  resolve(path: string): string {
    // Discovery reads tens of thousands of plain relative paths: joined without resolving.
    if (isPlainRelative(path)) return (this.root === '/' ? '' : this.root) + '/' + path;
    const full = nodePath.resolve(this.root, path.replace(/^\/+/, ''));
    if (full !== this.root && !full.startsWith(this.root === '/' ? '/' : this.root + nodePath.sep)) {
      throw new KernelError('EACCES', 'resolve', path, 'outside the machine root');
    }
    return full;
  }

  read(path: string): string {
    return this.readWith(path, 'utf8');
  }

  readBytes(path: string): Buffer {
    return this.readWith(path, null);
  }

  /**
   * Reads a whole file, never blocking (a FIFO), never a device or a file over READ_LIMIT, and
   * never through a link out of the root. A device or FIFO is never even opened (opening some
   * devices acts: a watchdog starts counting): the path is looked at first, in its directory's
   * real place under a root other than "/" (a last component that is a link is resolved in
   * full, and must stay inside), and only a regular file is opened, with O_NOFOLLOW |
   * O_NONBLOCK | O_NOCTTY; fstat on the open file checks it again before any byte is read.
   */
  private readWith(path: string, encoding: 'utf8'): string;
  private readWith(path: string, encoding: null): Buffer;
  private readWith(path: string, encoding: 'utf8' | null): string | Buffer {
    let fd: number;
    let size: number;
    try {
      if (this.root === '/') {
        const target = this.resolve(path);
        const stat = fs.statSync(target, { throwIfNoEntry: false });
        if (!stat) throw new KernelError('ENOENT', 'read', path);
        checkReadable(stat, path);
        fd = fs.openSync(target, READ_FLAGS);
        size = stat.size;
      } else {
        fd = this.openBelowRoot(path);
        try {
          const stat = fs.fstatSync(fd);
          checkReadable(stat, path);
          size = stat.size;
        } catch (e) {
          fs.closeSync(fd);
          throw e;
        }
      }
    } catch (e) {
      throw e instanceof KernelError ? e : fromNodeError(e, 'read', path);
    }
    try {
      const length = readAll(fd, size, path);
      const value = encoding ? readBuffer.toString('utf8', 0, length) : Buffer.from(readBuffer.subarray(0, length));
      // A large file's buffer is not kept.
      if (readBuffer.length > READ_BUFFER_SIZE) readBuffer = Buffer.allocUnsafe(READ_BUFFER_SIZE);
      return value;
    } catch (e) {
      throw e instanceof KernelError ? e : fromNodeError(e, 'read', path);
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Opens a regular file under a root other than "/" for reading, never through a link out of
   * the root, and never opening anything else.
   */
  private openBelowRoot(path: string): number {
    let target = this.place(path, 'read');
    let stat = fs.lstatSync(target, { throwIfNoEntry: false });
    if (stat?.isSymbolicLink()) {
      // The last component is a link: resolved in full, it must stay inside the root.
      target = this.real(path, 'read').full;
      stat = fs.statSync(target, { throwIfNoEntry: false });
    }
    if (!stat) throw new KernelError('ENOENT', 'read', path);
    checkReadable(stat, path);
    return fs.openSync(target, READ_FLAGS | fs.constants.O_NOFOLLOW);
  }

  write(path: string, value: string): void {
    if (!this.writable) throw new KernelError('EROFS', 'write', path, 'this machine is opened read-only');
    try {
      // One write call, as `echo > file` does: sysfs acts on the whole buffer at once. No
      // O_CREAT: kernel files are never created by writing (sysfs would answer EACCES).
      const fd = fs.openSync(this.writablePath(path), fs.constants.O_WRONLY | fs.constants.O_TRUNC);
      try {
        fs.writeSync(fd, value);
      } finally {
        fs.closeSync(fd);
      }
    } catch (e) {
      throw e instanceof KernelError ? e : fromNodeError(e, 'write', path);
    }
  }

  mkdir(path: string): void {
    if (!this.writable) throw new KernelError('EROFS', 'mkdir', path, 'this machine is opened read-only');
    try {
      fs.mkdirSync(this.directoryPath(path, 'mkdir'));
    } catch (e) {
      throw e instanceof KernelError ? e : fromNodeError(e, 'mkdir', path);
    }
  }

  rmdir(path: string): void {
    if (!this.writable) throw new KernelError('EROFS', 'rmdir', path, 'this machine is opened read-only');
    try {
      fs.rmdirSync(this.directoryPath(path, 'rmdir'));
    } catch (e) {
      throw e instanceof KernelError ? e : fromNodeError(e, 'rmdir', path);
    }
  }

  /**
   * Under a root other than "/" the listing also gives each entry's type: an entry that is a
   * directory (not a link to one) lies where its parent does, so a later read inside it needs
   * no lstat of its own. Discovery lists cpu/, memory/ and each cpuN/cache/ before reading
   * inside their directories.
   */
  list(path: string): string[] {
    try {
      if (this.root === '/') return fs.readdirSync(this.resolve(path)).sort();
      const plain = isPlainRelative(path);
      const real = plain ? this.realOfDir(path, 'list', path) : this.realDir(this.resolve(path), 'list', path);
      const entries = fs.readdirSync(real, { withFileTypes: true });
      const names: string[] = [];
      if (!plain) {
        for (const entry of entries) names.push(entry.name);
        return names.sort();
      }
      const where = real === this.rootReal() + '/' + path;
      for (const entry of entries) {
        names.push(entry.name);
        // A directory, not a link to one: where the listing says (the same answer as an lstat).
        if (entry.isDirectory()) this.realByRelative.set(path + '/' + entry.name, where ? '' : real + '/' + entry.name);
      }
      return names.sort();
    } catch (e) {
      throw e instanceof KernelError ? e : fromNodeError(e, 'list', path);
    }
  }

  exists(path: string): boolean {
    try {
      return this.statOf(path, 'exists') !== undefined;
    } catch {
      return false;
    }
  }

  /**
   * What is at the path, links followed, or undefined when nothing is. Under a root other than
   * "/": one lstat of the path in its directory's real place; a link is resolved in full and
   * must stay inside the root.
   */
  private statOf(path: string, op: string): fs.Stats | undefined {
    if (this.root === '/') return fs.statSync(this.resolve(path), { throwIfNoEntry: false });
    const stat = fs.lstatSync(this.place(path, op), { throwIfNoEntry: false });
    if (!stat?.isSymbolicLink()) return stat;
    return fs.statSync(this.real(path, op).full, { throwIfNoEntry: false });
  }

  readlink(path: string): string | null {
    try {
      return fs.readlinkSync(this.resolve(path));
    } catch {
      return null;
    }
  }

  isDirectory(path: string): boolean {
    try {
      return this.statOf(path, 'stat')?.isDirectory() ?? false;
    } catch {
      return false;
    }
  }
}

/** Non-empty names joined by single slashes, none of them "." or "..": nothing to resolve. */
function isPlainRelative(path: string): boolean {
  return path !== '' && !NOT_PLAIN.test(path);
}

/** A leading or trailing slash, a doubled one, or a "." or ".." part. */
const NOT_PLAIN = /^\/|\/$|\/\/|(^|\/)\.\.?(\/|$)/;

/** Opened for reading only: a FIFO does not block the open, a terminal does not become ours. */
const READ_FLAGS = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY;

/** Only regular files are read, and none larger than READ_LIMIT. */
function checkReadable(stat: fs.Stats, path: string): void {
  if (!stat.isFile()) throw new KernelError(stat.isDirectory() ? 'EISDIR' : 'EINVAL', 'read', path, stat.isDirectory() ? undefined : 'not a regular file (a device or a FIFO)');
  if (stat.size > READ_LIMIT) throw new KernelError('EINVAL', 'read', path, `larger than ${READ_LIMIT} bytes: not a kernel file`);
}

/**
 * One buffer for every read (reads are synchronous, so no two use it at once): a file's bytes
 * are decoded or copied out of it. It grows, for a larger file, up to READ_LIMIT + 1 bytes.
 */
const READ_BUFFER_SIZE = 64 << 10;
let readBuffer = Buffer.allocUnsafe(READ_BUFFER_SIZE);

/**
 * Reads an open file to its end into readBuffer; the number of bytes. A file whose size is
 * known (not procfs' 0, not sysfs' 4096 for a shorter value) ends at that size, as
 * readFileSync has it; otherwise at the read that returns nothing.
 */
function readAll(fd: number, size: number, path: string): number {
  let length = 0;
  for (;;) {
    if (length === readBuffer.length) {
      if (length > READ_LIMIT) throw new KernelError('EINVAL', 'read', path, `larger than ${READ_LIMIT} bytes: not a kernel file`);
      const larger = Buffer.allocUnsafe(Math.min(readBuffer.length * 2, READ_LIMIT + 1));
      readBuffer.copy(larger, 0, 0, length);
      readBuffer = larger;
    }
    const n = fs.readSync(fd, readBuffer, length, readBuffer.length - length, null);
    if (n === 0) return length;
    length += n;
    if (size > 0 && length === size) return length;
  }
}
