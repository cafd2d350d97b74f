import { hasParam, lookup, renderItem } from '../../plan/cmdline-params.js';
import type { Finding, Rule } from '../rule.js';
import { allLines, cmdlinePath, kernelLabel, origin, paramPath, removalFix } from '../kernel-lines.js';

/** Parameters that turn an NMI nobody claims into a panic, also as boot-time sysctls. */
const PANIC_ON_NMI = ['unknown_nmi_panic', 'panic_on_unrecovered_nmi', 'sysctl.kernel.unknown_nmi_panic', 'sysctl.kernel.panic_on_unrecovered_nmi'];

/**
 * H11: NMIs broadcast by one kernel reach the others as "unknown NMI". A kernel that panics on
 * them (any kernel: the boot kernel's panic takes the machine down) is an error. Application
 * kernels turn the NMI watchdog off (`nmi_watchdog=0` or `nowatchdog`; warning otherwise).
 */
export const nmiRule: Rule = {
  id: 'nmi',
  hazard: 'H11',
  description: 'no kernel panics on foreign NMIs; application kernels run no NMI watchdog',
  needsPlacement: false,
  check(ctx) {
    const out: Finding[] = [];
    for (const line of allLines(ctx)) {
      for (const key of PANIC_ON_NMI) {
        const found = lookup(line.params, key);
        if (found === undefined || found.value === '0') continue;
        out.push({
          severity: 'error',
          message: `${kernelLabel(line)} has ${renderItem(found)} ${origin(line, found)}: an NMI another kernel sends reaches it as an unknown NMI, and it would panic`,
          fix: removalFix(line, found),
          path: paramPath(line, found),
          kernels: [line.name],
        });
      }
      if (line.index === null) continue;
      const watchdog = lookup(line.params, 'nmi_watchdog');
      if (watchdog?.value === '0' || hasParam(line.params, 'nowatchdog')) continue;
      out.push({
        severity: 'warning',
        message: `${kernelLabel(line)} has ${watchdog ? `nmi_watchdog=${watchdog.value ?? ''}` : 'no nmi_watchdog=0'}: its NMI watchdog would raise NMIs and dump backtraces by NMI, which other kernels may see as unknown NMIs`,
        fix: watchdog ? `${removalFix(line, watchdog)} (parker sets nmi_watchdog=0)` : `add nmi_watchdog=0 to the cmdline of ${kernelLabel(line)}`,
        path: cmdlinePath(line),
        kernels: [line.name],
      });
    }
    return out;
  },
};
