import type { Topology } from '../../topology/model.js';
import { formatCpuList, parseCpuList } from '../../units/cpulist.js';
import { ParkerError } from '../../units/parker-error.js';
import { BOOT, quoted, type SpecPath } from '../layout-lookup.js';
import type { Finding, Rule } from '../rule.js';

/** Every CPU named in an explicit list (a kernel's or the boot kernel's) exists on the machine. */
export const cpuExistsRule: Rule = {
  id: 'cpu-exists',
  description: 'every CPU in an explicit CPU list is a possible CPU of the machine',
  // The spec's own lists against the machine: judged when no kernel could be placed too.
  needsPlacement: false,
  check(ctx) {
    const possible = possibleCpus(ctx.topology);
    const out: Finding[] = [];
    ctx.spec.kernels.forEach((kernel, index) => {
      if (typeof kernel.cpus === 'string') out.push(...checkList(kernel.cpus, possible, ['kernels', index, 'cpus'], kernel.name));
    });
    if (typeof ctx.spec.boot.cpus === 'string') out.push(...checkList(ctx.spec.boot.cpus, possible, ['boot', 'cpus'], BOOT));
    return out;
  },
};

/** The possible CPUs, or every CPU discovery saw when the possible mask is unknown. */
function possibleCpus(topology: Topology): Set<number> {
  return new Set(topology.cpus.possible.length > 0 ? topology.cpus.possible : topology.cpu.map((c) => c.id));
}

function checkList(text: string, possible: Set<number>, path: SpecPath, kernel: string): Finding[] {
  const who = kernel === BOOT ? 'the boot kernel' : `kernel ${quoted(kernel)}`;
  let cpus: number[];
  try {
    cpus = parseCpuList(text);
  } catch (e) {
    // An unreadable list is placement's finding ("cpu-list").
    if (e instanceof ParkerError) return [];
    throw e;
  }
  const missing = cpus.filter((c) => !possible.has(c));
  if (missing.length === 0) return [];
  const machine = formatCpuList(possible);
  return [
    {
      severity: 'error',
      message: `${who} names CPU${missing.length > 1 ? 's' : ''} ${formatCpuList(missing)}, which the machine does not have (its CPUs are ${machine})`,
      fix: `choose CPUs within ${machine}`,
      path,
      kernels: [kernel],
    },
  ];
}
