import type { Core } from '../../topology/model.js';
import { formatCpuList } from '../../units/cpulist.js';
import { BOOT, cpuOwners, quoted } from '../layout-lookup.js';
import type { Finding, Rule } from '../rule.js';

/**
 * The boot kernel keeps every thread of at least one core: it runs the control filesystem,
 * starts the other kernels and busy-waits for them, and shares no core with them. (Which core
 * CPU 0 is on, and splitting it, are H21's and H01's findings.)
 */
export const bootWholeCoreRule: Rule = {
  id: 'boot-whole-core',
  description: 'the boot kernel keeps all threads of at least one core',
  check(ctx) {
    const cores = ctx.topology.cores.filter((c) => c.cpus.length > 0);
    // Without thread siblings nothing can be judged.
    if (cores.length === 0) return [];
    const boot = new Set(ctx.placement.boot.cpus);
    if (cores.some((core) => core.cpus.every((cpu) => boot.has(cpu)))) return [];
    const owners = cpuOwners(ctx.placement.kernels);
    const target = cores.find((c) => c.cpus.includes(0)) ?? cores[0]!;
    const holders = holdersOf(target, owners);
    const d: Finding = {
      severity: 'error',
      message:
        boot.size === 0
          ? 'the boot kernel keeps no CPU: it needs at least one whole core to run and to start the other kernels'
          : `the boot kernel keeps CPUs ${formatCpuList(boot)} but no whole core: it needs every thread of at least one core`,
      fix: `leave CPUs ${formatCpuList(target.cpus)} (one whole core) to the boot kernel${holders.length > 0 ? `: take ${holders.map(([name, cpus]) => `CPU${cpus.length > 1 ? 's' : ''} ${formatCpuList(cpus)} out of kernel ${quoted(name)}`).join(', ')}` : ''}`,
      kernels: [BOOT, ...holders.map(([name]) => name)],
    };
    if (ctx.spec.boot.cpus !== undefined) d.path = ['boot', 'cpus'];
    else if (holders.length > 0) {
      const first = ctx.placement.kernels.find((k) => k.name === holders[0]![0]);
      if (first !== undefined) d.path = ['kernels', first.index, 'cpus'];
    }
    return [d];
  },
};

/** The kernels holding the core's CPUs, in spec order, with the CPUs each holds. */
function holdersOf(core: Core, owners: Map<number, { name: string; index: number }>): [string, number[]][] {
  const held = new Map<string, { index: number; cpus: number[] }>();
  for (const cpu of core.cpus) {
    const owner = owners.get(cpu);
    if (owner === undefined) continue;
    const entry = held.get(owner.name) ?? { index: owner.index, cpus: [] };
    entry.cpus.push(cpu);
    held.set(owner.name, entry);
  }
  return [...held].sort(([, a], [, b]) => a.index - b.index).map(([name, { cpus }]) => [name, cpus]);
}
