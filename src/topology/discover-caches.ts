import { CpuFlags, cpuDir } from './discover-cpus.js';
import type { KernelFiles } from './kernel-files.js';
import type { Cache, CacheType } from './model.js';

export interface CacheDiscovery {
  /** Unified and data cache instances, sorted by level, first CPU, then type. */
  caches: Cache[];
  /** Index into `caches` of each CPU's last-level cache. */
  llcOf: Map<number, number>;
}

const TYPES: readonly CacheType[] = ['Data', 'Instruction', 'Unified'];

/** "index0" ... "index15", made once: the key of a cache index in the pass below. */
const INDEX_KEYS = Array.from({ length: 16 }, (_, k) => `index${k}`);

export interface FoundCache {
  cache: Cache;
  /** The K of indexK where it was first read: orders instances that tie otherwise. */
  index: number;
}

/**
 * Cache instances from cpuN/cache/indexK; instruction caches are left out of the result.
 *
 * A CPU named in another CPU's shared_cpu_list shares that cache, so its own copy is not
 * read again: on large machines this skips most of the files, and a CPU whose every cache
 * is known already is not even listed. When every CPU has the same cache indexes, CPUs
 * share a cache at the same index K and the check costs nothing. Otherwise (hybrid CPUs,
 * where a core lacking an L2 has its L3 at a lower index) caches are matched by level and
 * type instead, which needs those two files of every index of every CPU.
 */
export function discoverCaches(
  files: KernelFiles,
  onlineCpus: readonly number[],
  threadSiblings: (cpu: number) => readonly number[] | null = () => null,
): CacheDiscovery {
  const ctx: CacheContext = { files, withTopology: new CpuFlags(onlineCpus, onlineCpus), threadSiblings, sharedForm: undefined };
  return mergeCaches(readCaches(ctx, onlineCpus, 'index') ?? readCaches(ctx, onlineCpus, 'level and type')!);
}

/**
 * Cache instances as read, in discovery's order (level, first CPU, type, then index K), one per
 * level, type and set of CPUs as hwloc merges them, with each CPU's last-level cache.
 */
export function mergeCaches(found: FoundCache[]): CacheDiscovery {
  found.sort(({ cache: a, index: i }, { cache: b, index: j }) => a.level - b.level || a.cpus[0]! - b.cpus[0]! || compareText(a.type, b.type) || i - j);
  const seen = new Set<string>();
  const caches: Cache[] = [];
  for (const { cache } of found) {
    const key = `${cache.level} ${cache.type} ${cache.cpus.join(',')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    caches.push(cache);
  }
  return { caches, llcOf: lastLevelCaches(caches) };
}

interface CacheContext {
  files: KernelFiles;
  /** The CPUs discovery reads caches of (online, with a directory), `onlineCpus` sorted. */
  withTopology: CpuFlags;
  /** A CPU's thread siblings (its core), or null. */
  threadSiblings: (cpu: number) => readonly number[] | null;
  /** shared_cpu_list (2.6.2x on) or shared_cpu_map (every kernel), decided at the first cache. */
  sharedForm: 'shared_cpu_list' | 'shared_cpu_map' | undefined;
}

/**
 * The CPUs sharing a cache: shared_cpu_list, else shared_cpu_map; an empty set (ia64's L3)
 * means the CPU's core; cut down to the CPUs with topology files. null when neither file
 * can be read: like hwloc, such a cache is left out.
 */
function sharedCpus(ctx: CacheContext, dir: string, cpu: number): number[] | null {
  if (ctx.sharedForm === undefined) {
    ctx.sharedForm = ctx.files.fs.exists(`${dir}/shared_cpu_list`) || !ctx.files.fs.exists(`${dir}/shared_cpu_map`) ? 'shared_cpu_list' : 'shared_cpu_map';
  }
  const path = `${dir}/${ctx.sharedForm}`;
  let listed = ctx.sharedForm === 'shared_cpu_list' ? ctx.files.cpuList(path) : ctx.files.cpuMask(path);
  if (listed === null) return null;
  if (listed.length === 0) listed = [...(ctx.threadSiblings(cpu) ?? [cpu])];
  const shared = ctx.withTopology.keep(listed);
  return shared.includes(cpu) ? shared : [...shared, cpu].sort((a, b) => a - b);
}

/**
 * One pass over the CPUs, matching shared caches by `match`. Matching by index gives up
 * (null) as soon as two CPUs list different indexes.
 */
function readCaches(ctx: CacheContext, onlineCpus: readonly number[], match: 'index' | 'level and type'): FoundCache[] | null {
  const files = ctx.files;
  // Per index (or level and type), the CPUs whose cache there is known, one flag per CPU id.
  const covered = new Map<string, Uint8Array>();
  const coveredAll: Uint8Array[] = [];
  const hasIdFile = new Map<string, boolean>();
  const found: FoundCache[] = [];
  let layout: string | null = null;

  for (const cpu of onlineCpus) {
    if (coveredAll.length > 0 && coveredAll.every((cpus) => cpus[cpu] === 1)) continue;
    const cacheDir = `${cpuDir(cpu)}/cache`;
    const indexes = files.numbered(cacheDir, 'index');
    if (match === 'index') {
      layout ??= indexes.join(',');
      if (indexes.join(',') !== layout) return null;
    }
    for (const index of indexes) {
      const dir = `${cacheDir}/index${index}`;
      let kind: { level: number | null; type: CacheType | null } | null = null;
      let key = INDEX_KEYS[index] ?? `index${index}`;
      if (match === 'level and type') {
        kind = { level: files.int(`${dir}/level`), type: files.word(`${dir}/type`, TYPES) };
        key = `${kind.level} ${kind.type}`;
      }
      let cpus = covered.get(key);
      if (cpus === undefined) {
        covered.set(key, (cpus = new Uint8Array(ctx.withTopology.size)));
        coveredAll.push(cpus);
      }
      if (cpus[cpu] === 1) continue;

      const shared = sharedCpus(ctx, dir, cpu);
      if (shared === null) continue;
      for (const c of shared) cpus[c] = 1;

      // hwloc takes a cache whose type cannot be read as unified.
      const type = (kind ? kind.type : files.word(`${dir}/type`, TYPES)) ?? 'Unified';
      if (type === 'Instruction') continue;
      const level = kind ? kind.level : files.int(`${dir}/level`);
      if (level === null) continue;
      let withId = hasIdFile.get(key);
      if (withId === undefined) hasIdFile.set(key, (withId = files.fs.exists(`${dir}/id`)));
      found.push({
        index,
        cache: { level, type, sizeBytes: files.size(`${dir}/size`), id: withId ? files.id(`${dir}/id`) : null, cpus: shared },
      });
    }
  }
  return found;
}

/** For each CPU, the highest-level cache it is in (the first one listed on a tie). */
function lastLevelCaches(caches: readonly Cache[]): Map<number, number> {
  const llcOf = new Map<number, number>();
  const levelOf = new Map<number, number>();
  caches.forEach((cache, i) => {
    for (const cpu of cache.cpus) {
      if ((levelOf.get(cpu) ?? 0) < cache.level) {
        levelOf.set(cpu, cache.level);
        llcOf.set(cpu, i);
      }
    }
  });
  return llcOf;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
