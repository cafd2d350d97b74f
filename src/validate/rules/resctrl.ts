import { RDT_DISABLED } from '../../plan/hazard-params.js';
import { listOptions, lookupAll } from '../../plan/cmdline-params.js';
import type { Finding, Rule } from '../rule.js';
import { applicationLines, cmdlinePath, kernelLabel, removalFix } from '../kernel-lines.js';

/**
 * H04: cache and memory-bandwidth allocation masks are per L3 and per memory domain, so only
 * the boot kernel may use resctrl. Application kernels need every `rdt=!feature`; an `rdt=`
 * option without "!" forces a feature on, whatever the order (the kernel's force_on wins).
 */
export const resctrlRule: Rule = {
  id: 'resctrl',
  hazard: 'H04',
  description: 'application kernels turn resctrl (RDT) off',
  needsPlacement: false,
  check(ctx) {
    const out: Finding[] = [];
    for (const line of applicationLines(ctx)) {
      const options = listOptions(line.params, 'rdt');
      for (const param of lookupAll(line.params, 'rdt')) {
        const enabled = (param.value ?? '').split(',').filter((o) => o !== '' && !o.startsWith('!'));
        if (enabled.length === 0) continue;
        out.push({
          severity: 'error',
          message: `${kernelLabel(line)} turns on RDT ${enabled.join(', ')} with rdt=${param.value}: its resctrl would overwrite the cache and bandwidth masks the boot kernel set for every kernel on the same L3`,
          fix: removalFix(line, param),
          path: cmdlinePath(line),
          kernels: [line.name],
        });
      }
      const missing = RDT_DISABLED.filter((o) => !options.includes(o));
      if (missing.length > 0) {
        out.push({
          severity: 'error',
          message: `${kernelLabel(line)} does not turn off RDT ${missing.map((o) => o.slice(1)).join(', ')}: only the boot kernel may program the per-L3 resctrl masks`,
          fix: `add rdt=${missing.join(',')} to the cmdline of ${kernelLabel(line)}`,
          path: cmdlinePath(line),
          kernels: [line.name],
        });
      }
    }
    return out;
  },
};
