import { describe, expect, it } from 'vitest';
import { runRule } from '../rule.js';
import { hazardContext } from '../../../test/fixtures/hazard-context.js';
import { kernelSpec, layoutSpec } from '../../../test/fixtures/rule-context.js';
import { machineChecksRule } from './machine-checks.js';

describe('H06 machine-checks', () => {
  it('fires on mce=off anywhere, the boot kernel current line included', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5', cmdline: 'mce=off' })]), { bootCmdline: 'iommu=pt mce=off' });
    expect(runRule(machineChecksRule, ctx)).toEqual([
      {
        severity: 'error',
        rule: 'machine-checks',
        hazard: 'H06',
        message: "the boot kernel has mce=off on the boot kernel's current command line: a machine check broadcast to its CPUs would shut them down, which resets the whole machine",
        fix: "remove mce=off from the boot kernel's boot loader entry and reboot it",
        kernels: ['boot'],
      },
      {
        severity: 'error',
        rule: 'machine-checks',
        hazard: 'H06',
        message: 'kernel "a" has mce=off in its cmdline: a machine check broadcast to its CPUs would shut them down, which resets the whole machine',
        fix: 'remove mce=off from the cmdline of kernel "a"',
        path: ['kernels', 0, 'cmdline'],
        kernels: ['a'],
      },
    ]);
  });

  it('warns when an application kernel line lacks mce=ignore_ce', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5' })]));
    ctx.cmdlines[0]!.params = ctx.cmdlines[0]!.params.filter((p) => p.key !== 'mce');
    expect(runRule(machineChecksRule, ctx).map((d) => [d.severity, d.message, d.fix])).toEqual([
      [
        'warning',
        'kernel "a" has no mce=ignore_ce: it would poll and clear shared machine-check banks, taking corrected errors away from the boot kernel',
        'add mce=ignore_ce to the cmdline of kernel "a"',
      ],
    ]);
  });

  it('stays quiet with the generated line and additive mce= options', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5', cmdline: 'mce=no_cmci' })]));
    expect(runRule(machineChecksRule, ctx)).toEqual([]);
  });
});
