import type { KernelPlacement } from '../../plan/resolved-layout.js';
import { formatCpuList } from '../../units/cpulist.js';
import { BOOT, kernelPath, quoted } from '../layout-lookup.js';
import type { Finding, Rule } from '../rule.js';

/** No CPU goes to two kernels, nor to a kernel and the boot kernel. One finding per pair. */
export const cpuOverlapRule: Rule = {
  id: 'cpu-overlap',
  description: 'no CPU is given to two kernels',
  check(ctx) {
    const out: Finding[] = [];
    const boot = new Set(ctx.placement.boot.cpus);
    const owners = new Map<number, KernelPlacement>();
    for (const kernel of ctx.placement.kernels) {
      const shared = new Map<KernelPlacement, number[]>();
      const withBoot: number[] = [];
      for (const cpu of new Set(kernel.cpus)) {
        const earlier = owners.get(cpu);
        if (earlier === undefined) owners.set(cpu, kernel);
        else shared.set(earlier, [...(shared.get(earlier) ?? []), cpu]);
        if (boot.has(cpu)) withBoot.push(cpu);
      }
      for (const [earlier, cpus] of shared) {
        const list = formatCpuList(cpus);
        out.push({
          severity: 'error',
          message: `kernels ${quoted(earlier.name)} and ${quoted(kernel.name)} both take CPU${cpus.length > 1 ? 's' : ''} ${list}`,
          fix: `remove ${list} from the CPUs of ${quoted(kernel.name)} or of ${quoted(earlier.name)}`,
          path: kernelPath(kernel, 'cpus'),
          kernels: [earlier.name, kernel.name],
        });
      }
      if (withBoot.length > 0) {
        const list = formatCpuList(withBoot);
        out.push({
          severity: 'error',
          message: `kernel ${quoted(kernel.name)} takes CPU${withBoot.length > 1 ? 's' : ''} ${list}, which boot.cpus keeps for the boot kernel`,
          fix: `remove ${list} from the CPUs of ${quoted(kernel.name)} or from boot.cpus`,
          path: kernelPath(kernel, 'cpus'),
          kernels: [BOOT, kernel.name],
        });
      }
    }
    return out;
  },
};
