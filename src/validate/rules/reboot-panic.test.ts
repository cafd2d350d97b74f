import { describe, expect, it } from 'vitest';
import { runRule } from '../rule.js';
import { hazardContext } from '../../../test/fixtures/hazard-context.js';
import { kernelSpec, layoutSpec } from '../../../test/fixtures/rule-context.js';
import { rebootPanicRule } from './reboot-panic.js';

describe('H10 reboot-panic', () => {
  it('fires on panic=N, crashkernel= and reboot= in a user cmdline', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5', cmdline: 'panic=10 crashkernel=256M reboot=pci' })]));
    expect(runRule(rebootPanicRule, ctx)).toEqual([
      {
        severity: 'error',
        rule: 'reboot-panic',
        hazard: 'H10',
        message: 'kernel "a" has panic=10: it would reboot after a panic, which resets every kernel on the machine',
        fix: 'remove panic=10 from the cmdline of kernel "a" (parker sets panic=0: halt on panic)',
        path: ['kernels', 0, 'cmdline'],
        kernels: ['a'],
      },
      {
        severity: 'error',
        rule: 'reboot-panic',
        hazard: 'H10',
        message: 'kernel "a" has crashkernel=256M: on a panic kdump would stop CPUs with NMIs and boot a kernel that does not know it is a partition',
        fix: 'remove crashkernel=256M from the cmdline of kernel "a"',
        path: ['kernels', 0, 'cmdline'],
        kernels: ['a'],
      },
      {
        severity: 'warning',
        rule: 'reboot-panic',
        hazard: 'H10',
        message: 'kernel "a" has reboot=pci: any reset method it picks resets the whole machine',
        fix: 'remove reboot=pci from the cmdline of kernel "a"',
        path: ['kernels', 0, 'cmdline'],
        kernels: ['a'],
      },
    ]);
  });

  it('fires on a negative panic= and on a line without panic=', () => {
    const negative = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5', cmdline: 'panic=-1' })]));
    expect(runRule(rebootPanicRule, negative).map((d) => d.message)).toEqual(['kernel "a" has panic=-1: it would reboot after a panic, which resets every kernel on the machine']);
    const missing = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5' })]));
    missing.cmdlines[0]!.params = missing.cmdlines[0]!.params.filter((p) => p.key !== 'panic');
    expect(runRule(rebootPanicRule, missing).map((d) => d.fix)).toEqual(['add panic=0 to the cmdline of kernel "a"']);
  });

  it('stays quiet on generated lines and when the user undoes a panic=N with a later panic=0', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5', cmdline: 'panic=10 panic=0' })]), { bootCmdline: 'crashkernel=512M panic=30' });
    expect(runRule(rebootPanicRule, ctx)).toEqual([]);
  });
});
