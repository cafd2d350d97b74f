import { describe, expect, it } from 'vitest';
import { runRule } from '../rule.js';
import { hazardContext } from '../../../test/fixtures/hazard-context.js';
import { kernelSpec, layoutSpec } from '../../../test/fixtures/rule-context.js';
import { nmiRule } from './nmi.js';

describe('H11 nmi', () => {
  it('fires on panic-on-NMI settings in any kernel and on an NMI watchdog in an application kernel', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5', cmdline: 'sysctl.kernel.panic_on_unrecovered_nmi=1 nmi_watchdog=1' })], { cmdline: 'unknown_nmi_panic' }));
    expect(runRule(nmiRule, ctx)).toEqual([
      {
        severity: 'error',
        rule: 'nmi',
        hazard: 'H11',
        message: 'the boot kernel has unknown_nmi_panic in boot.cmdline: an NMI another kernel sends reaches it as an unknown NMI, and it would panic',
        fix: 'remove unknown_nmi_panic from boot.cmdline',
        path: ['boot', 'cmdline'],
        kernels: ['boot'],
      },
      {
        severity: 'error',
        rule: 'nmi',
        hazard: 'H11',
        message:
          'kernel "a" has sysctl.kernel.panic_on_unrecovered_nmi=1 in its cmdline: an NMI another kernel sends reaches it as an unknown NMI, and it would panic',
        fix: 'remove sysctl.kernel.panic_on_unrecovered_nmi=1 from the cmdline of kernel "a"',
        path: ['kernels', 0, 'cmdline'],
        kernels: ['a'],
      },
      {
        severity: 'warning',
        rule: 'nmi',
        hazard: 'H11',
        message: 'kernel "a" has nmi_watchdog=1: its NMI watchdog would raise NMIs and dump backtraces by NMI, which other kernels may see as unknown NMIs',
        fix: 'remove nmi_watchdog=1 from the cmdline of kernel "a" (parker sets nmi_watchdog=0)',
        path: ['kernels', 0, 'cmdline'],
        kernels: ['a'],
      },
    ]);
  });

  it('stays quiet on generated lines, with nowatchdog, and with a boot kernel NMI watchdog', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5', cmdline: 'nmi_watchdog=1 nowatchdog' })]), { bootCmdline: 'nmi_watchdog=1 sysctl.kernel.unknown_nmi_panic=0' });
    expect(runRule(nmiRule, ctx)).toEqual([]);
  });
});
