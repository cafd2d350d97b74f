import { KernelError } from './kernel-error.js';
import type { KernelFs } from './machine.js';

/** One entry of an in-memory kernel filesystem tree. */
export type TreeEntry =
  | { type: 'file'; data: string | Uint8Array }
  | { type: 'dir'; children: Map<string, TreeEntry> }
  | { type: 'link'; target: string };

const MAX_LINK_HOPS = 40;

/**
 * A directory whose entries are made the first time anything looks inside it. The simulator
 * rebuilds its machine's tree in every command; most commands (status, console) never look
 * into a CPU's cache or topology directories, which are most of the tree.
 */
export class LazyDir {
  readonly type = 'dir' as const;
  private made: Map<string, TreeEntry> | null = null;
  constructor(private fill: ((children: Map<string, TreeEntry>) => void) | null) {}

  get children(): Map<string, TreeEntry> {
    if (this.made === null) {
      this.made = new Map();
      const fill = this.fill!;
      this.fill = null;
      fill(this.made);
    }
    return this.made;
  }
}

function splitPath(path: string): string[] {
  const parts = path.split('/');
  // Most paths are plain ("sys/devices/system/cpu/online"): no second list for them.
  for (const p of parts) if (p === '' || p === '.') return parts.filter((q) => q !== '' && q !== '.');
  return parts;
}

/**
 * An in-memory tree of files, directories and relative symbolic links, with paths relative
 * to the machine root. Synthetic machines, gathered archives and the simulator all hold their
 * sysfs/procfs this way. Reads follow links as the kernel's VFS would.
 */
/**
 * A file whose text is made the first time it is read. The simulator's /proc/zoneinfo covers
 * every memory block and changes with every partition's memory: made at each change, it cost
 * a 255-kernel apply a quarter of a second, and hardly anything reads it.
 */
export class LazyFile {
  readonly type = 'file' as const;
  private made: string | null = null;
  constructor(private make: (() => string) | null) {}

  get data(): string {
    if (this.made === null) {
      this.made = this.make!();
      this.make = null;
    }
    return this.made;
  }
}

export class FileTree {
  readonly root: TreeEntry & { type: 'dir' } = { type: 'dir', children: new Map() };

  /**
   * Counts the changes made through these methods. A reader that keeps a directory it looked
   * up (TreeFs) looks it up again after any change: the directory may have left the tree (a
   * CPU taken offline takes its topology directory with it). Code that builds a tree by hand
   * (src/synthetic/tree-files.ts) does so before anything reads it.
   */
  generation = 0;

  /** Adds or replaces a file, creating parent directories. */
  file(path: string, data: string | Uint8Array): this {
    const parts = splitPath(path);
    const name = parts.pop();
    if (name === undefined) throw new Error(`FileTree.file: empty path`);
    this.dirOf(parts).children.set(name, { type: 'file', data });
    return this;
  }

  /** Adds or replaces a file whose text `make` gives when it is first read (LazyFile). */
  lazyFile(path: string, make: () => string): this {
    const parts = splitPath(path);
    const name = parts.pop();
    if (name === undefined) throw new Error(`FileTree.lazyFile: empty path`);
    this.dirOf(parts).children.set(name, new LazyFile(make));
    return this;
  }

  link(path: string, target: string): this {
    const parts = splitPath(path);
    const name = parts.pop();
    if (name === undefined) throw new Error(`FileTree.link: empty path`);
    this.dirOf(parts).children.set(name, { type: 'link', target });
    return this;
  }

  dir(path: string): this {
    this.dirOf(splitPath(path));
    return this;
  }

  remove(path: string): boolean {
    const parts = splitPath(path);
    const name = parts.pop();
    if (name === undefined) return false;
    const parent = this.lookup(parts, true);
    this.generation++;
    return parent?.type === 'dir' ? parent.children.delete(name) : false;
  }

  /** Takes entry `name` out of directory `dir` and returns it, to be put back with attach. */
  detach(dir: string, name: string): TreeEntry | undefined {
    const parent = this.get(dir);
    if (parent?.type !== 'dir') return undefined;
    const entry = parent.children.get(name);
    this.generation++;
    parent.children.delete(name);
    return entry;
  }

  /** Puts `entry` into directory `dir` (made when missing) as `name`. */
  attach(dir: string, name: string, entry: TreeEntry): void {
    this.dirOf(splitPath(dir)).children.set(name, entry);
  }

  /** The directory at `parts`, made with its parents when missing; every change goes through here or remove/detach. */
  private dirOf(parts: string[]): TreeEntry & { type: 'dir' } {
    this.generation++;
    let node = this.root;
    for (const part of parts) {
      let next = node.children.get(part);
      if (next === undefined) {
        next = { type: 'dir', children: new Map() };
        node.children.set(part, next);
      }
      if (next.type !== 'dir') throw new Error(`FileTree: ${parts.join('/')} crosses a non-directory at ${part}`);
      node = next;
    }
    return node;
  }

  /**
   * Walks `parts` from the root, following links in every component, and in the last one
   * only when `followLast`. Returns undefined when something is missing.
   */
  lookup(parts: readonly string[], followLast = true): TreeEntry | undefined {
    let hops = 0;
    // The parts still to walk: those of links followed (last first), then parts[ahead...].
    // Walking `parts` by index leaves a path without links uncopied.
    const fromLinks: string[] = [];
    let ahead = 0;
    const trail: (TreeEntry & { type: 'dir' })[] = [];
    let node: TreeEntry = this.root;
    while (fromLinks.length > 0 || ahead < parts.length) {
      const part = fromLinks.length > 0 ? fromLinks.pop()! : parts[ahead++]!;
      if (part === '..') {
        node = trail.pop() ?? this.root;
        continue;
      }
      if (node.type !== 'dir') return undefined;
      const next: TreeEntry | undefined = node.children.get(part);
      if (next === undefined) return undefined;
      if (next.type === 'link' && (fromLinks.length > 0 || ahead < parts.length || followLast)) {
        if (++hops > MAX_LINK_HOPS) return undefined;
        const target = splitPath(next.target);
        if (next.target.startsWith('/')) {
          trail.length = 0;
          node = this.root;
        }
        for (let i = target.length - 1; i >= 0; i--) fromLinks.push(target[i]!);
        continue;
      }
      trail.push(node);
      node = next;
    }
    return node;
  }

  /** The path with every link resolved ("sys/bus/pci/devices/X/driver" -> "sys/bus/pci/drivers/nvme"), or undefined. */
  realpath(path: string): string | undefined {
    let hops = 0;
    const stack = splitPath(path).reverse();
    const resolved: string[] = [];
    let node: TreeEntry = this.root;
    const trail: TreeEntry[] = [];
    while (stack.length > 0) {
      const part = stack.pop()!;
      if (part === '..') {
        resolved.pop();
        node = (trail.pop() as TreeEntry | undefined) ?? this.root;
        continue;
      }
      if (node.type !== 'dir') return undefined;
      const next: TreeEntry | undefined = node.children.get(part);
      if (next === undefined) return undefined;
      if (next.type === 'link') {
        if (++hops > MAX_LINK_HOPS) return undefined;
        if (next.target.startsWith('/')) {
          resolved.length = 0;
          trail.length = 0;
          node = this.root;
        }
        const target = splitPath(next.target);
        for (let i = target.length - 1; i >= 0; i--) stack.push(target[i]!);
        continue;
      }
      trail.push(node);
      resolved.push(part);
      node = next;
    }
    return resolved.join('/');
  }

  get(path: string, followLast = true): TreeEntry | undefined {
    // Reads come by the ten thousand and most paths hold no link to follow and no "..": walk
    // those straight from the text. Any other goes to lookup, which decides as before.
    let node: TreeEntry = this.root;
    for (let start = 0; start <= path.length; ) {
      const slash = path.indexOf('/', start);
      const end = slash < 0 ? path.length : slash;
      const part = path.slice(start, end);
      start = end + 1;
      if (part === '' || part === '.') continue;
      if (part === '..') return this.lookup(splitPath(path), followLast);
      if (node.type !== 'dir') return undefined;
      const next: TreeEntry | undefined = node.children.get(part);
      if (next === undefined) return undefined;
      if (next.type === 'link' && (start <= path.length || followLast)) return this.lookup(splitPath(path), followLast);
      node = next;
    }
    return node;
  }

  /** Every path below the root with its entry, depth first, links not followed. */
  *walk(prefix = ''): Generator<[string, TreeEntry]> {
    const start = prefix === '' ? this.root : this.get(prefix, false);
    if (start === undefined) return;
    const visit = function* (path: string, entry: TreeEntry): Generator<[string, TreeEntry]> {
      yield [path, entry];
      if (entry.type === 'dir') {
        for (const [name, child] of [...entry.children].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
          yield* visit(path === '' ? name : `${path}/${name}`, child);
        }
      }
    };
    yield* visit(prefix, start);
  }
}

const decoder = new TextDecoder();

/**
 * A read-only KernelFs over a FileTree: writes are refused as on a read-only mount. It keeps
 * the last directory it looked up while the tree is unchanged (FileTree.generation): discovery
 * reads a directory's files one after another, and walking the whole path again for each was a
 * tenth of planning a 4096-CPU machine, and a third of reading the simulator's topology.
 */
export class TreeFs implements KernelFs {
  private lastDir: { path: string; entry: TreeEntry & { type: 'dir' }; generation: number } | null = null;

  constructor(readonly tree: FileTree) {}

  protected entry(op: string, path: string): TreeEntry {
    const entry = this.lookup(path);
    if (entry === undefined) throw new KernelError('ENOENT', op, path);
    return entry;
  }

  /** tree.get(path), through the last directory looked up. */
  private lookup(path: string): TreeEntry | undefined {
    const at = this.inDirectory(path);
    if (at === undefined) return this.tree.get(path);
    const child = at.dir.children.get(at.name);
    return child?.type === 'link' ? this.tree.get(path) : child;
  }

  /**
   * The directory holding `path` and the name in it, when the last part is a plain name:
   * a link or a dot as the last part, or a path of one part, takes the whole walk (undefined).
   */
  private inDirectory(path: string): { dir: TreeEntry & { type: 'dir' }; name: string } | undefined {
    const slash = path.lastIndexOf('/');
    const name = path.slice(slash + 1);
    if (slash <= 0 || name === '' || name === '.' || name === '..') return undefined;
    const dirPath = path.slice(0, slash);
    const last = this.lastDir;
    if (last !== null && last.path === dirPath && last.generation === this.tree.generation) return { dir: last.entry, name };
    const found = this.tree.get(dirPath);
    if (found?.type !== 'dir') return undefined;
    this.lastDir = { path: dirPath, entry: found, generation: this.tree.generation };
    return { dir: found, name };
  }

  read(path: string): string {
    const entry = this.entry('read', path);
    if (entry.type !== 'file') throw new KernelError('EISDIR', 'read', path);
    return typeof entry.data === 'string' ? entry.data : decoder.decode(entry.data);
  }

  readBytes(path: string): Uint8Array {
    const entry = this.entry('read', path);
    if (entry.type !== 'file') throw new KernelError('EISDIR', 'read', path);
    return typeof entry.data === 'string' ? new TextEncoder().encode(entry.data) : entry.data;
  }

  write(path: string, _value: string): void {
    this.entry('write', path);
    throw new KernelError('EROFS', 'write', path, 'this machine is read-only');
  }

  mkdir(path: string): void {
    throw new KernelError('EROFS', 'mkdir', path, 'this machine is read-only');
  }

  rmdir(path: string): void {
    throw new KernelError('EROFS', 'rmdir', path, 'this machine is read-only');
  }

  list(path: string): string[] {
    const entry = this.entry('list', path);
    if (entry.type !== 'dir') throw new KernelError('ENOTDIR', 'list', path);
    return [...entry.children.keys()].sort();
  }

  exists(path: string): boolean {
    return this.lookup(path) !== undefined;
  }

  readlink(path: string): string | null {
    const at = this.inDirectory(path);
    const entry = at === undefined ? this.tree.get(path, false) : at.dir.children.get(at.name);
    return entry?.type === 'link' ? entry.target : null;
  }

  isDirectory(path: string): boolean {
    return this.lookup(path)?.type === 'dir';
  }
}
