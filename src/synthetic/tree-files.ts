import { LazyDir, LazyFile, type FileTree, type TreeEntry } from '../machines/file-tree.js';
import { formatCpuList } from '../units/cpulist.js';
import { formatCpuMask } from '../units/cpumask.js';

// Small writers the synthetic tree is made with. They fill a directory's entry map directly:
// looking every file's path up from the root would make large machines slow to build.

/** A directory's entries. */
export type Dir = Map<string, TreeEntry>;

/** The entries of the directory at `path`, created with its parents when missing. */
export function dirAt(tree: FileTree, path: string): Dir {
  tree.dir(path);
  return (tree.get(path, false) as TreeEntry & { type: 'dir' }).children;
}

export function sub(dir: Dir, name: string): Dir {
  let entry = dir.get(name);
  if (entry === undefined) {
    entry = { type: 'dir', children: new Map() };
    dir.set(name, entry);
  }
  if (entry.type !== 'dir') throw new Error(`synthetic tree: ${name} is not a directory`);
  return entry.children;
}

/** A subdirectory whose entries `fill` makes when something first looks inside (LazyDir). */
export function lazySub(dir: Dir, name: string, fill: (children: Dir) => void): void {
  dir.set(name, new LazyDir(fill));
}

/**
 * A CPU mask file, its text made when read: masks of a 4096-CPU machine are 1 KB each and
 * discovery reads the list forms, so most are never read (LazyFile).
 */
export const putMask = (dir: Dir, name: string, text: CpuSetText, cpus: number[]) => dir.set(name, new LazyFile(() => `${text.mask(cpus)}\n`));

/** sysfs files end in a newline. */
export const put = (dir: Dir, name: string, value: string | number) => dir.set(name, { type: 'file', data: `${value}\n` });
export const putBytes = (dir: Dir, name: string, data: Uint8Array) => dir.set(name, { type: 'file', data });
export const link = (dir: Dir, name: string, target: string) => dir.set(name, { type: 'link', target });

/** The relative link target from directory `from` to `to`, as sysfs writes its links. */
export function relativeTarget(from: string, to: string): string {
  const a = from.split('/');
  const b = to.split('/');
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  return [...Array<string>(a.length - common).fill('..'), ...b.slice(common)].join('/');
}

export const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** Lists and masks of CPU sets, memoized: many CPUs print the same set, often from different arrays. */
export class CpuSetText {
  private readonly lists = new WeakMap<number[], string>();
  private readonly masks = new Map<string, string>();
  constructor(private readonly nrCpus: number) {}
  list(cpus: number[]): string {
    let s = this.lists.get(cpus);
    if (s === undefined) this.lists.set(cpus, (s = formatCpuList(cpus)));
    return s;
  }
  mask(cpus: number[]): string {
    const key = this.list(cpus);
    let s = this.masks.get(key);
    if (s === undefined) this.masks.set(key, (s = formatCpuMask(cpus, this.nrCpus)));
    return s;
  }
}
