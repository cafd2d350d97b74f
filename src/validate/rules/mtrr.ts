import { sameKey } from '../../plan/cmdline-params.js';
import { configValue, parseKernelConfig } from '../kernel-config.js';
import type { Finding, Rule } from '../rule.js';
import { applicationLines, cmdlinePath, kernelLabel, removalFix, type LineParam } from '../kernel-lines.js';

/**
 * H18: every CPU must hold the same MTRRs. The boot kernel sets them at its boot; an
 * application kernel whose MTRR sanitizer rewrites them at its own boot (`enable_mtrr_cleanup`,
 * or a .config with MTRR_SANITIZER_ENABLE_DEFAULT=1 and no `disable_mtrr_cleanup`) leaves its
 * CPUs with other memory types than the rest of the machine (error). Of the two parameters the
 * last one wins.
 */
export const mtrrRule: Rule = {
  id: 'mtrr',
  hazard: 'H18',
  description: 'application kernels do not rewrite MTRRs',
  needsPlacement: false,
  check(ctx) {
    const out: Finding[] = [];
    for (const line of applicationLines(ctx)) {
      let last: LineParam | undefined;
      for (const p of line.params) if (sameKey(p.key, 'enable_mtrr_cleanup') || sameKey(p.key, 'disable_mtrr_cleanup')) last = p;
      const enabledByParam = last !== undefined && sameKey(last.key, 'enable_mtrr_cleanup');
      const text = ctx.configs.get(line.name);
      const config = text === undefined ? undefined : parseKernelConfig(text);
      const byDefault = config !== undefined && configValue(config, 'MTRR_SANITIZER') === 'y' && (configValue(config, 'MTRR_SANITIZER_ENABLE_DEFAULT') ?? '0') !== '0';
      if (!enabledByParam && !(last === undefined && byDefault)) continue;
      out.push({
        severity: 'error',
        message: enabledByParam
          ? `${kernelLabel(line)} has enable_mtrr_cleanup: it would rewrite the MTRRs of its CPUs, which must match every other CPU of the machine`
          : `the .config of ${kernelLabel(line)} enables the MTRR sanitizer by default and its command line has no disable_mtrr_cleanup: it would rewrite the MTRRs of its CPUs, which must match every other CPU of the machine`,
        fix: enabledByParam ? removalFix(line, last!) : `add disable_mtrr_cleanup to the cmdline of ${kernelLabel(line)}`,
        path: cmdlinePath(line),
        kernels: [line.name],
      });
    }
    return out;
  },
};
