import type { Core } from '../../topology/model.js';
import { formatCpuList } from '../../units/cpulist.js';
import { BOOT, quoted } from '../layout-lookup.js';
import type { Finding, Rule } from '../rule.js';
import { cpuOwnerNames } from '../ownership.js';

/**
 * H01: hardware threads of one core share per-core state (the split-lock MSR, speculation
 * controls). Two kernels on one core each set it as they please, so a core's threads must all
 * go to one kernel. One finding per pair of kernels sharing cores.
 */
export const smtSiblingsRule: Rule = {
  id: 'smt-siblings',
  hazard: 'H01',
  description: "a core's hardware threads all belong to one kernel",
  check(ctx) {
    const owners = cpuOwnerNames(ctx);
    const order = [BOOT, ...ctx.placement.kernels.map((k) => k.name)];
    const byPair = new Map<string, { names: string[]; cores: Core[] }>();
    for (const core of ctx.topology.cores) {
      const names = [...new Set(core.cpus.map((c) => owners.get(c)).filter((o): o is string => o !== undefined))].sort((a, b) => order.indexOf(a) - order.indexOf(b));
      if (names.length < 2) continue;
      const key = names.join('\u0000');
      const entry = byPair.get(key) ?? { names, cores: [] };
      entry.cores.push(core);
      byPair.set(key, entry);
    }
    const out: Finding[] = [];
    for (const { names, cores } of byPair.values()) {
      // Point at the application kernel listed last: the one whose CPUs to change.
      const last = ctx.placement.kernels.find((k) => k.name === names[names.length - 1])!;
      const theirs = cores.flatMap((c) => c.cpus.filter((cpu) => owners.get(cpu) === last.name));
      const others = cores.flatMap((c) => c.cpus.filter((cpu) => owners.get(cpu) !== last.name));
      const label = (name: string) => (name === BOOT ? 'the boot kernel' : `kernel ${quoted(name)}`);
      const coreText = cores.map((c) => formatCpuList(c.cpus)).join('; ');
      out.push({
        severity: 'error',
        message: `${cores.length > 1 ? 'cores' : 'core'} with CPUs ${coreText} ${cores.length > 1 ? 'are' : 'is'} split between ${names.map(label).join(' and ')}: threads of one core share the split-lock and speculation-control MSRs, which each kernel would set for both`,
        fix: `give whole cores to one kernel: remove CPU${theirs.length > 1 ? 's' : ''} ${formatCpuList(theirs)} from ${label(last.name)}, or give it CPU${others.length > 1 ? 's' : ''} ${formatCpuList(others)} too; with a CPU count, use granularity: core`,
        path: ['kernels', last.index, 'cpus'],
        kernels: names,
      });
    }
    return out;
  },
};
