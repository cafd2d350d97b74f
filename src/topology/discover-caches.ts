import { cpuDir } from './discover-cpus.js';
import type { KernelFiles } from './kernel-files.js';
import type { Cache, CacheType } from './model.js';

export interface CacheDiscovery {
  /** Unified and data cache instances, sorted by level, first CPU, then type. */
  caches: Cache[];
  /** Index into `caches` of each CPU's last-level cache. */
  llcOf: Map<number, number>;
}

const TYPES: readonly CacheType[] = ['Data', 'Instruction', 'Unified'];

interface Found extends Cache {
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
export function discoverCaches(files: KernelFiles, onlineCpus: readonly number[]): CacheDiscovery {
  const found = readCaches(files, onlineCpus, 'index') ?? readCaches(files, onlineCpus, 'level and type')!;
  found.sort((a, b) => a.level - b.level || a.cpus[0]! - b.cpus[0]! || compareText(a.type, b.type) || a.index - b.index);
  const caches = found.map(({ index: _index, ...cache }): Cache => cache);
  return { caches, llcOf: lastLevelCaches(caches) };
}

/**
 * One pass over the CPUs, matching shared caches by `match`. Matching by index gives up
 * (null) as soon as two CPUs list different indexes.
 */
function readCaches(files: KernelFiles, onlineCpus: readonly number[], match: 'index' | 'level and type'): Found[] | null {
  const covered = new Map<string, Set<number>>();
  const hasIdFile = new Map<string, boolean>();
  const found: Found[] = [];
  let layout: string | null = null;

  for (const cpu of onlineCpus) {
    if (covered.size > 0 && [...covered.values()].every((cpus) => cpus.has(cpu))) continue;
    const cacheDir = `${cpuDir(cpu)}/cache`;
    const indexes = files.numbered(cacheDir, 'index');
    if (match === 'index') {
      layout ??= indexes.join(',');
      if (indexes.join(',') !== layout) return null;
    }
    for (const index of indexes) {
      const dir = `${cacheDir}/index${index}`;
      let kind: { level: number | null; type: CacheType | null } | null = null;
      let key = `index${index}`;
      if (match === 'level and type') {
        kind = { level: files.int(`${dir}/level`), type: files.word(`${dir}/type`, TYPES) };
        key = `${kind.level} ${kind.type}`;
      }
      let cpus = covered.get(key);
      if (cpus === undefined) covered.set(key, (cpus = new Set()));
      if (cpus.has(cpu)) continue;

      const listed = files.cpuList(`${dir}/shared_cpu_list`) ?? [];
      const shared = listed.includes(cpu) ? listed : [...listed, cpu].sort((a, b) => a - b);
      for (const c of shared) cpus.add(c);

      const type = kind ? kind.type : files.word(`${dir}/type`, TYPES);
      if (type === null || type === 'Instruction') continue;
      const level = kind ? kind.level : files.int(`${dir}/level`);
      if (level === null) continue;
      let withId = hasIdFile.get(key);
      if (withId === undefined) hasIdFile.set(key, (withId = files.fs.exists(`${dir}/id`)));
      found.push({
        index,
        level,
        type,
        sizeBytes: files.size(`${dir}/size`),
        id: withId ? files.id(`${dir}/id`) : null,
        cpus: shared,
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
