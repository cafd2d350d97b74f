import { lookupAll } from '../../plan/cmdline-params.js';
import type { Finding, Rule } from '../rule.js';
import { allLines, cmdlinePath, kernelLabel, origin, paramPath, removalFix } from '../kernel-lines.js';

/**
 * H06: machine-check banks are shared per core and per package and Intel broadcasts machine
 * checks to every CPU, so the boot kernel owns error handling. Application kernels need
 * `mce=ignore_ce` (it also stops CMCI and the polling that would log and clear the boot
 * kernel's corrected errors). `mce=off` anywhere is an error: with machine checks disabled a
 * broadcast machine check shuts the processor down, which resets the whole machine.
 */
export const machineChecksRule: Rule = {
  id: 'machine-checks',
  hazard: 'H06',
  description: 'application kernels leave corrected errors to the boot kernel; no kernel disables machine checks',
  needsPlacement: false,
  check(ctx) {
    const out: Finding[] = [];
    for (const line of allLines(ctx)) {
      const mce = lookupAll(line.params, 'mce');
      const off = mce.find((p) => p.value === 'off');
      if (off) {
        out.push({
          severity: 'error',
          message: `${kernelLabel(line)} has mce=off ${origin(line, off)}: a machine check broadcast to its CPUs would shut them down, which resets the whole machine`,
          fix: removalFix(line, off),
          path: paramPath(line, off),
          kernels: [line.name],
        });
      }
      if (line.index !== null && !mce.some((p) => p.value === 'ignore_ce')) {
        out.push({
          severity: 'warning',
          message: `${kernelLabel(line)} has no mce=ignore_ce: it would poll and clear shared machine-check banks, taking corrected errors away from the boot kernel`,
          fix: `add mce=ignore_ce to the cmdline of ${kernelLabel(line)}`,
          path: cmdlinePath(line),
          kernels: [line.name],
        });
      }
    }
    return out;
  },
};
