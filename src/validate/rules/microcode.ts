import { hasParam } from '../../plan/cmdline-params.js';
import type { Finding, Rule } from '../rule.js';
import { applicationLines, cmdlinePath, kernelLabel } from '../kernel-lines.js';

/**
 * H05: a microcode update needs every core quiet, and one kernel updating its cores leaves the
 * machine with mixed revisions. Only the boot kernel loads microcode (early, at its boot);
 * `dis_ucode_ldr` turns the loader off in application kernels, late reloads included.
 */
export const microcodeRule: Rule = {
  id: 'microcode',
  hazard: 'H05',
  description: 'application kernels do not load microcode',
  needsPlacement: false,
  check(ctx) {
    const out: Finding[] = [];
    for (const line of applicationLines(ctx)) {
      if (hasParam(line.params, 'dis_ucode_ldr')) continue;
      out.push({
        severity: 'error',
        message: `${kernelLabel(line)} has no dis_ucode_ldr: it would load microcode onto its own cores only, leaving the machine with mixed microcode revisions`,
        fix: `add dis_ucode_ldr to the cmdline of ${kernelLabel(line)}`,
        path: cmdlinePath(line),
        kernels: [line.name],
      });
    }
    return out;
  },
};
