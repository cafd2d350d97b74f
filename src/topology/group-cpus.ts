import type { Core, Cpu, Package } from './model.js';

const byNumber = (a: number, b: number) => a - b;

function sortedUnique(values: Iterable<number | null>): number[] {
  const set = new Set<number>();
  for (const v of values) if (v !== null) set.add(v);
  return [...set].sort(byNumber);
}

/** Packages of the CPUs whose package is known (online ones), by id. */
export function groupPackages(cpus: readonly Cpu[]): Package[] {
  const members = new Map<number, Cpu[]>();
  for (const cpu of cpus) {
    if (cpu.package === null) continue;
    let list = members.get(cpu.package);
    if (list === undefined) members.set(cpu.package, (list = []));
    list.push(cpu);
  }
  return [...members.keys()].sort(byNumber).map((id): Package => {
    const list = members.get(id)!;
    return {
      id,
      cpus: list.map((c) => c.id),
      dies: sortedUnique(list.map((c) => c.die)),
      nodes: sortedUnique(list.map((c) => c.node)),
    };
  });
}

/**
 * Physical cores: one per set of thread siblings among CPUs with a known package (a core
 * whose core_id cannot be read has coreId null). Without any form of thread_siblings, CPUs
 * with the same package, die, cluster and core id make one core. Sorted by package, core id,
 * then first CPU.
 */
export function groupCores(cpus: readonly Cpu[]): Core[] {
  const cores = new Map<string, Core>();
  for (const cpu of cpus) {
    if (cpu.package === null || (cpu.core === null && cpu.threadSiblings === null)) continue;
    const key = cpu.threadSiblings
      ? `siblings ${cpu.threadSiblings.join(',')}`
      : `ids ${cpu.package}/${cpu.die}/${cpu.cluster}/${cpu.core}`;
    const core = cores.get(key);
    if (core) core.cpus.push(cpu.id);
    else {
      cores.set(key, {
        package: cpu.package,
        die: cpu.die,
        cluster: cpu.cluster,
        coreId: cpu.core,
        cpus: [cpu.id],
        node: cpu.node,
      });
    }
  }
  return [...cores.values()].sort((a, b) => a.package - b.package || (a.coreId ?? -1) - (b.coreId ?? -1) || a.cpus[0]! - b.cpus[0]!);
}
