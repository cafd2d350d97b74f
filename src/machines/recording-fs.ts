import type { KernelFs } from './machine.js';

const encoder = new TextEncoder();

/** What a reader touched, by path: the input of `parker gather`. */
export interface Recorded {
  /** Paths read or tested as files, with the bytes read (null when only tested). */
  files: Map<string, Uint8Array | null>;
  /** Directories listed or tested. */
  dirs: Set<string>;
  /** Paths whose link target was asked for. */
  links: Set<string>;
}

/**
 * A KernelFs that passes every call through and remembers the paths touched, so that a
 * snapshot holds exactly the files discovery reads. Writes are passed through untouched
 * (callers wrap read-only machines only).
 */
export class RecordingFs implements KernelFs {
  readonly recorded: Recorded = { files: new Map(), dirs: new Set(), links: new Set() };

  constructor(private readonly inner: KernelFs) {}

  read(path: string): string {
    const value = this.inner.read(path);
    this.recorded.files.set(path, encoder.encode(value));
    return value;
  }

  readBytes(path: string): Uint8Array {
    const value = this.inner.readBytes(path);
    this.recorded.files.set(path, value);
    return value;
  }

  write(path: string, value: string): void {
    this.inner.write(path, value);
  }

  mkdir(path: string): void {
    this.inner.mkdir(path);
  }

  rmdir(path: string): void {
    this.inner.rmdir(path);
  }

  list(path: string): string[] {
    const names = this.inner.list(path);
    this.recorded.dirs.add(path);
    return names;
  }

  exists(path: string): boolean {
    const found = this.inner.exists(path);
    if (found) {
      if (this.inner.isDirectory(path)) this.recorded.dirs.add(path);
      else if (!this.recorded.files.has(path)) this.recorded.files.set(path, null);
    }
    return found;
  }

  readlink(path: string): string | null {
    const target = this.inner.readlink(path);
    if (target !== null) this.recorded.links.add(path);
    return target;
  }

  isDirectory(path: string): boolean {
    const isDir = this.inner.isDirectory(path);
    if (isDir) this.recorded.dirs.add(path);
    return isDir;
  }
}
