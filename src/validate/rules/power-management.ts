import { SHARED_WITH_BOOT } from '../../plan/hazard-params.js';
import { lookup, lookupAll } from '../../plan/cmdline-params.js';
import { isEnabled, parseKernelConfig } from '../kernel-config.js';
import type { Finding, Rule } from '../rule.js';
import { allLines, checkAgreement, cmdlinePath, kernelLabel, origin, paramPath, removalFix } from '../kernel-lines.js';

/** intel_pstate= modes that leave P-state policy alone: the passive driver follows requests, disable loads none. */
const HARMLESS_PSTATE = ['passive', 'disable'];

/**
 * H08: P-states, turbo, RAPL limits and package C-states are package-scoped. `idle=poll` keeps
 * cores busy, taking turbo headroom and package C-states from every kernel on the package
 * (error). Different `intel_idle.max_cstate=` values change what the package can reach
 * (warning). Application kernels run intel_pstate passive or no cpufreq at all (warning), and
 * are not built with the RAPL power-capping driver (warning).
 */
export const powerManagementRule: Rule = {
  id: 'power-management',
  hazard: 'H08',
  description: 'no kernel changes package power state for the others',
  needsPlacement: false,
  check(ctx) {
    const out: Finding[] = [];
    for (const line of allLines(ctx)) {
      const poll = lookupAll(line.params, 'idle').find((p) => p.value === 'poll');
      if (poll) {
        out.push({
          severity: 'error',
          message: `${kernelLabel(line)} has idle=poll ${origin(line, poll)}: its cores never idle, which takes turbo headroom and package C-states from every kernel on the package`,
          fix: removalFix(line, poll),
          path: paramPath(line, poll),
          kernels: [line.name],
        });
      }
      if (line.index === null) continue;
      const pstate = lookup(line.params, 'intel_pstate');
      const cpufreqOff = lookup(line.params, 'cpufreq.off')?.value === '1';
      if (!cpufreqOff && !HARMLESS_PSTATE.includes(pstate?.value ?? '')) {
        out.push({
          severity: 'warning',
          message: `${kernelLabel(line)} has ${pstate ? `intel_pstate=${pstate.value} ${origin(line, pstate)}` : 'no intel_pstate=passive'}: in active mode it sets energy and performance preferences that the package resolves for every kernel on it`,
          fix: pstate ? `${removalFix(line, pstate)} (parker sets intel_pstate=passive)` : `add intel_pstate=passive or cpufreq.off=1 to the cmdline of ${kernelLabel(line)}`,
          path: cmdlinePath(line),
          kernels: [line.name],
        });
      }
      const text = ctx.configs.get(line.name);
      if (text !== undefined && isEnabled(parseKernelConfig(text), 'INTEL_RAPL')) {
        out.push({
          severity: 'warning',
          message: `the .config of ${kernelLabel(line)} enables CONFIG_INTEL_RAPL: through powercap it can set package power limits that every kernel on the package lives under`,
          fix: 'build it with # CONFIG_INTEL_RAPL is not set, or never write its powercap limits',
          path: ['kernels', line.index, 'config'],
          kernels: [line.name],
        });
      }
    }
    out.push(
      ...checkAgreement(ctx, {
        severity: 'warning',
        keys: SHARED_WITH_BOOT.H08!,
        why: 'the deepest C-state one kernel allows limits the package C-states, and so the turbo headroom, of every kernel on the package',
      }),
    );
    return out;
  },
};
