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

/**
 * Cache instances from cpuN/cache/indexK. The kernel fills indexK/shared_cpu_list by
 * comparing the same index K across CPUs, so once a CPU appears in another CPU's indexK list
 * its own indexK is that same instance and is not read again: on large machines this skips
 * most of the files. A CPU covered for every index seen so far is not even listed.
 * Instruction caches are read only for their CPU list and are left out of the result.
 */
export function discoverCaches(files: KernelFiles, onlineCpus: readonly number[]): CacheDiscovery {
  const covered = new Map<string, Set<number>>();
  const hasIdFile = new Map<string, boolean>();
  const found: (Cache & { index: number })[] = [];

  for (const cpu of onlineCpus) {
    if (covered.size > 0 && [...covered.values()].every((cpus) => cpus.has(cpu))) continue;
    const cacheDir = `${cpuDir(cpu)}/cache`;
    for (const index of files.numbered(cacheDir, 'index')) {
      const name = `index${index}`;
      let cpus = covered.get(name);
      if (cpus === undefined) covered.set(name, (cpus = new Set()));
      if (cpus.has(cpu)) continue;

      const dir = `${cacheDir}/${name}`;
      const listed = files.cpuList(`${dir}/shared_cpu_list`) ?? [];
      const shared = listed.includes(cpu) ? listed : [...listed, cpu].sort((a, b) => a - b);
      for (const c of shared) cpus.add(c);

      const type = files.word(`${dir}/type`, TYPES);
      if (type === null || type === 'Instruction') continue;
      const level = files.int(`${dir}/level`);
      if (level === null) continue;
      let withId = hasIdFile.get(name);
      if (withId === undefined) hasIdFile.set(name, (withId = files.fs.exists(`${dir}/id`)));
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

  found.sort((a, b) => a.level - b.level || a.cpus[0]! - b.cpus[0]! || compareText(a.type, b.type) || a.index - b.index);
  const caches = found.map(({ index: _index, ...cache }) => cache);
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
  return { caches, llcOf };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
