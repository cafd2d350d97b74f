import { formatCpuList, parseCpuList } from '../../units/cpulist.js';
import { BOOT, kernelPath, quoted } from '../layout-lookup.js';
import type { Finding, Rule } from '../rule.js';

/** H21: CPU 0 cannot be offlined on x86 and belongs to the boot kernel. */
export const cpuZeroRule: Rule = {
  id: 'cpu-zero',
  hazard: 'H21',
  description: 'CPU 0 stays with the boot kernel',
  check(ctx) {
    const out: Finding[] = [];
    for (const kernel of ctx.placement.kernels) {
      if (!kernel.cpus.includes(0)) continue;
      const spec = ctx.spec.kernels[kernel.index];
      // Without CPU 0's whole core: its thread siblings stay with the boot kernel too (H01).
      const zeroCore = new Set(ctx.topology.cpu.find((c) => c.id === 0)?.threadSiblings ?? [0]);
      const rest = kernel.cpus.filter((c) => !zeroCore.has(c));
      const fix =
        spec !== undefined && typeof spec.cpus === 'string'
          ? rest.length > 0
            ? `cpus: "${formatCpuList(rest)}" (without CPU 0${zeroCore.size > 1 ? ' and its thread siblings' : ''})`
            : "choose CPUs outside CPU 0's core"
          : 'leave CPU 0 to the boot kernel: name it in boot.cpus or lower the count';
      out.push({
        severity: 'error',
        message: `kernel ${quoted(kernel.name)} takes CPU 0, which cannot be offlined on x86 and stays with the boot kernel`,
        fix,
        path: kernelPath(kernel, 'cpus'),
        kernels: [kernel.name],
      });
    }
    if (typeof ctx.spec.boot.cpus === 'string' && !safeList(ctx.spec.boot.cpus).includes(0)) {
      out.push({
        severity: 'error',
        message: `boot.cpus "${ctx.spec.boot.cpus}" leaves out CPU 0, which the boot kernel always keeps`,
        fix: `boot.cpus: "${formatCpuList([0, ...safeList(ctx.spec.boot.cpus)])}"`,
        path: ['boot', 'cpus'],
        kernels: [BOOT],
      });
    }
    return out;
  },
};

/** An unreadable list is cpu-exists' finding. */
function safeList(text: string): number[] {
  try {
    return parseCpuList(text);
  } catch {
    return [0];
  }
}
