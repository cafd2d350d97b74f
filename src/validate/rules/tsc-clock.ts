import { SHARED_WITH_BOOT } from '../../plan/hazard-params.js';
import { lookup, lookupAll } from '../../plan/cmdline-params.js';
import type { Finding, Rule } from '../rule.js';
import { applicationLines, checkAgreement, cmdlinePath, kernelLabel, removalFix } from '../kernel-lines.js';

/**
 * H09: the TSC is the one clock every kernel can trust without touching a global device. An
 * application kernel that distrusts it (tsc=unstable, or no tsc=reliable and a watchdog that
 * gives up on it) falls back to HPET or the PIT, global devices; one that recalibrates differs
 * from the boot kernel. Application kernels keep `tsc=reliable clocksource=tsc` and, when the
 * boot kernel has one, its `tsc_early_khz=`. All warnings: the harm is to that kernel's clock
 * and to shared timer hardware, not a reset.
 */
export const tscClockRule: Rule = {
  id: 'tsc-clock',
  hazard: 'H09',
  description: 'application kernels trust and use the TSC as the boot kernel does',
  needsPlacement: false,
  check(ctx) {
    const out: Finding[] = [];
    const warn = (line: { name: string; index: number | null }, message: string, fix: string): void => {
      out.push({ severity: 'warning', message, fix, path: cmdlinePath(line), kernels: [line.name] });
    };
    for (const line of applicationLines(ctx)) {
      const tsc = lookupAll(line.params, 'tsc');
      const unstable = tsc.find((p) => p.value === 'unstable');
      if (unstable) {
        warn(line, `${kernelLabel(line)} has tsc=unstable: it would leave the TSC for HPET or the PIT, timer hardware the whole machine shares`, removalFix(line, unstable));
      } else if (!tsc.some((p) => p.value === 'reliable')) {
        warn(line, `${kernelLabel(line)} has no tsc=reliable: its clocksource watchdog may mark the TSC unstable and fall back to shared timer hardware`, `add tsc=reliable to the cmdline of ${kernelLabel(line)}`);
      }
      const clocksource = lookup(line.params, 'clocksource');
      if (clocksource?.value !== 'tsc') {
        warn(
          line,
          `${kernelLabel(line)} has ${clocksource ? `clocksource=${clocksource.value}` : 'no clocksource=tsc'}: every other clock source is a device the whole machine shares`,
          clocksource ? `${removalFix(line, clocksource)} (parker sets clocksource=tsc)` : `add clocksource=tsc to the cmdline of ${kernelLabel(line)}`,
        );
      }
    }
    out.push(
      ...checkAgreement(ctx, {
        severity: 'warning',
        keys: SHARED_WITH_BOOT.H09!,
        why: "an application kernel calibrating the TSC on its own (possibly against the PIT, a shared device) ends up with another frequency than the boot kernel's",
        onlyWhenBootSets: true,
      }),
    );
    return out;
  },
};
