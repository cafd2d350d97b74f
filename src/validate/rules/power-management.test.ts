import { describe, expect, it } from 'vitest';
import { runRule } from '../rule.js';
import { hazardContext } from '../../../test/fixtures/hazard-context.js';
import { kernelSpec, layoutSpec } from '../../../test/fixtures/rule-context.js';
import { powerManagementRule } from './power-management.js';

describe('H08 power-management', () => {
  it('fires on idle=poll, an active intel_pstate and a different intel_idle.max_cstate', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5', cmdline: 'idle=poll intel_pstate=active intel_idle.max_cstate=1' })]));
    expect(runRule(powerManagementRule, ctx)).toEqual([
      {
        severity: 'error',
        rule: 'power-management',
        hazard: 'H08',
        message: 'kernel "a" has idle=poll in its cmdline: its cores never idle, which takes turbo headroom and package C-states from every kernel on the package',
        fix: 'remove idle=poll from the cmdline of kernel "a"',
        path: ['kernels', 0, 'cmdline'],
        kernels: ['a'],
      },
      {
        severity: 'warning',
        rule: 'power-management',
        hazard: 'H08',
        message:
          'kernel "a" has intel_pstate=active in its cmdline: in active mode it sets energy and performance preferences that the package resolves for every kernel on it',
        fix: 'remove intel_pstate=active from the cmdline of kernel "a" (parker sets intel_pstate=passive)',
        path: ['kernels', 0, 'cmdline'],
        kernels: ['a'],
      },
      {
        severity: 'warning',
        rule: 'power-management',
        hazard: 'H08',
        message:
          'kernel "a" has intel_idle.max_cstate=1 but the boot kernel has (not set): the deepest C-state one kernel allows limits the package C-states, and so the turbo headroom, of every kernel on the package',
        fix: 'remove intel_idle.max_cstate=1 from the cmdline of kernel "a": the boot kernel does not set intel_idle.max_cstate=',
        path: ['kernels', 0, 'cmdline'],
        kernels: ['boot', 'a'],
      },
    ]);
  });

  it('fires on idle=poll in the boot kernel and on a .config with RAPL', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5', config: 'a.config' })]), { bootCmdline: 'idle=poll', configs: { a: 'CONFIG_INTEL_RAPL=m\n' } });
    expect(runRule(powerManagementRule, ctx).map((d) => [d.severity, d.kernels, d.path])).toEqual([
      ['error', ['boot'], undefined],
      ['warning', ['a'], ['kernels', 0, 'config']],
    ]);
  });

  it('stays quiet on generated lines, with cpufreq.off=1, and with the boot kernel C-state limit copied', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5' }), kernelSpec('b', { cpus: '2,6', cmdline: 'intel_pstate=active cpufreq.off=1' })]), {
      bootCmdline: 'intel_idle.max_cstate=2',
    });
    expect(runRule(powerManagementRule, ctx)).toEqual([]);
  });
});
