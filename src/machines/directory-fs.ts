import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { KernelError, fromNodeError } from './kernel-error.js';
import type { KernelFs } from './machine.js';

/**
 * A KernelFs over a real directory: "/" for this computer, or a copied sysfs/procfs tree.
 * Paths never leave the root: ".." past it and absolute paths are refused, so nothing is
 * read or written outside the machine root the caller gave.
 */
export class DirectoryFs implements KernelFs {
  readonly root: string;

  constructor(
    root: string,
    private readonly writable = false,
  ) {
    this.root = nodePath.resolve(root);
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
    try {
      return fs.readFileSync(this.resolve(path), 'utf8');
    } catch (e) {
      throw fromNodeError(e, 'read', path);
    }
  }

  readBytes(path: string): Uint8Array {
    try {
      return fs.readFileSync(this.resolve(path));
    } catch (e) {
      throw fromNodeError(e, 'read', path);
    }
  }

  write(path: string, value: string): void {
    if (!this.writable) throw new KernelError('EROFS', 'write', path, 'this machine is opened read-only');
    try {
      // One write call, as `echo > file` does: sysfs acts on the whole buffer at once. No
      // O_CREAT: kernel files are never created by writing (sysfs would answer EACCES).
      const fd = fs.openSync(this.resolve(path), fs.constants.O_WRONLY | fs.constants.O_TRUNC);
      try {
        fs.writeSync(fd, value);
      } finally {
        fs.closeSync(fd);
      }
    } catch (e) {
      throw fromNodeError(e, 'write', path);
    }
  }

  mkdir(path: string): void {
    if (!this.writable) throw new KernelError('EROFS', 'mkdir', path, 'this machine is opened read-only');
    try {
      fs.mkdirSync(this.resolve(path));
    } catch (e) {
      throw fromNodeError(e, 'mkdir', path);
    }
  }

  rmdir(path: string): void {
    if (!this.writable) throw new KernelError('EROFS', 'rmdir', path, 'this machine is opened read-only');
    try {
      fs.rmdirSync(this.resolve(path));
    } catch (e) {
      throw fromNodeError(e, 'rmdir', path);
    }
  }

  list(path: string): string[] {
    try {
      return fs.readdirSync(this.resolve(path)).sort();
    } catch (e) {
      throw fromNodeError(e, 'list', path);
    }
  }

  exists(path: string): boolean {
    try {
      return fs.existsSync(this.resolve(path));
    } catch {
      return false;
    }
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
      return fs.statSync(this.resolve(path)).isDirectory();
    } catch {
      return false;
    }
  }
}

/** Non-empty names joined by single slashes, none of them "." or "..": nothing to resolve. */
function isPlainRelative(path: string): boolean {
  if (path === '') return false;
  for (const part of path.split('/')) if (part === '' || part === '.' || part === '..') return false;
  return true;
}
