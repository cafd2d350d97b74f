import { describe, expect, it } from 'vitest';
import { runRule } from '../rule.js';
import { hazardContext } from '../../../test/fixtures/hazard-context.js';
import { kernelSpec, layoutSpec } from '../../../test/fixtures/rule-context.js';
import { tscClockRule } from './tsc-clock.js';

describe('H09 tsc-clock', () => {
  it('fires on tsc=unstable, another clocksource and another tsc_early_khz than the boot kernel', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5', cmdline: 'tsc=unstable clocksource=hpet tsc_early_khz=1000000' })]), {
      bootCmdline: 'tsc_early_khz=2100000',
    });
    expect(runRule(tscClockRule, ctx)).toEqual([
      {
        severity: 'warning',
        rule: 'tsc-clock',
        hazard: 'H09',
        message: 'kernel "a" has tsc=unstable: it would leave the TSC for HPET or the PIT, timer hardware the whole machine shares',
        fix: 'remove tsc=unstable from the cmdline of kernel "a"',
        path: ['kernels', 0, 'cmdline'],
        kernels: ['a'],
      },
      {
        severity: 'warning',
        rule: 'tsc-clock',
        hazard: 'H09',
        message: 'kernel "a" has clocksource=hpet: every other clock source is a device the whole machine shares',
        fix: 'remove clocksource=hpet from the cmdline of kernel "a" (parker sets clocksource=tsc)',
        path: ['kernels', 0, 'cmdline'],
        kernels: ['a'],
      },
      {
        severity: 'warning',
        rule: 'tsc-clock',
        hazard: 'H09',
        message:
          "kernel \"a\" has tsc_early_khz=1000000 but the boot kernel has tsc_early_khz=2100000: an application kernel calibrating the TSC on its own (possibly against the PIT, a shared device) ends up with another frequency than the boot kernel's",
        fix: "remove tsc_early_khz=1000000 from the cmdline of kernel \"a\", or write tsc_early_khz=2100000 there: the boot kernel's setting",
        path: ['kernels', 0, 'cmdline'],
        kernels: ['boot', 'a'],
      },
    ]);
  });

  it('fires when a line has neither tsc=reliable nor clocksource=tsc', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5' })]));
    ctx.cmdlines[0]!.params = ctx.cmdlines[0]!.params.filter((p) => p.key !== 'tsc' && p.key !== 'clocksource');
    expect(runRule(tscClockRule, ctx).map((d) => d.fix)).toEqual(['add tsc=reliable to the cmdline of kernel "a"', 'add clocksource=tsc to the cmdline of kernel "a"']);
  });

  it('stays quiet on generated lines, with additive tsc= options, and with its own tsc_early_khz when the boot kernel has none', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5', cmdline: 'tsc=nowatchdog tsc_early_khz=2100000' })]));
    expect(runRule(tscClockRule, ctx)).toEqual([]);
  });
});
