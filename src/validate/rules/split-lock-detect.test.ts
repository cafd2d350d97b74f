import { describe, expect, it } from 'vitest';
import { runRule } from '../rule.js';
import { hazardContext } from '../../../test/fixtures/hazard-context.js';
import { kernelSpec, layoutSpec } from '../../../test/fixtures/rule-context.js';
import { splitLockDetectRule } from './split-lock-detect.js';

describe('H02 split-lock-detect', () => {
  it('fires when a user cmdline sets another value than the boot kernel', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5', cmdline: 'split_lock_detect=off' })]), { bootCmdline: 'iommu=pt split_lock_detect=fatal' });
    expect(runRule(splitLockDetectRule, ctx)).toEqual([
      {
        severity: 'error',
        rule: 'split-lock-detect',
        hazard: 'H02',
        message:
          'kernel "a" has split_lock_detect=off but the boot kernel has split_lock_detect=fatal: a split lock stalls every CPU of the machine, so a kernel that lets them through hurts the others, and the per-core detection setting would differ between kernels',
        fix: 'remove split_lock_detect=off from the cmdline of kernel "a", or write split_lock_detect=fatal there: the boot kernel\'s setting',
        path: ['kernels', 0, 'cmdline'],
        kernels: ['boot', 'a'],
      },
    ]);
  });

  it('fires when only the application kernel sets it', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5', cmdline: 'split-lock-detect=warn' })]));
    expect(runRule(splitLockDetectRule, ctx).map((d) => [d.severity, d.fix])).toEqual([
      ['error', 'remove split-lock-detect=warn from the cmdline of kernel "a": the boot kernel does not set split_lock_detect='],
    ]);
  });

  it('stays quiet when the generated line copies the boot kernel value', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5' })]), { bootCmdline: 'split_lock_detect=fatal' });
    expect(runRule(splitLockDetectRule, ctx)).toEqual([]);
  });
});
