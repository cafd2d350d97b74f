import { describe, expect, it } from 'vitest';
import { runRule } from '../rule.js';
import { hazardContext } from '../../../test/fixtures/hazard-context.js';
import { kernelSpec, layoutSpec } from '../../../test/fixtures/rule-context.js';
import { mtrrRule } from './mtrr.js';

const SANITIZER_ON = 'CONFIG_MTRR=y\nCONFIG_MTRR_SANITIZER=y\nCONFIG_MTRR_SANITIZER_ENABLE_DEFAULT=1\n';

describe('H18 mtrr', () => {
  it('fires on enable_mtrr_cleanup in a user cmdline', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5', cmdline: 'enable_mtrr_cleanup' })]));
    expect(runRule(mtrrRule, ctx)).toEqual([
      {
        severity: 'error',
        rule: 'mtrr',
        hazard: 'H18',
        message: 'kernel "a" has enable_mtrr_cleanup: it would rewrite the MTRRs of its CPUs, which must match every other CPU of the machine',
        fix: 'remove enable_mtrr_cleanup from the cmdline of kernel "a"',
        path: ['kernels', 0, 'cmdline'],
        kernels: ['a'],
      },
    ]);
  });

  it('fires on a .config with the sanitizer on by default when the line lacks disable_mtrr_cleanup', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5', config: 'a.config' })]), { configs: { a: SANITIZER_ON } });
    ctx.cmdlines[0]!.params = ctx.cmdlines[0]!.params.filter((p) => p.key !== 'disable_mtrr_cleanup');
    expect(runRule(mtrrRule, ctx).map((d) => d.fix)).toEqual(['add disable_mtrr_cleanup to the cmdline of kernel "a"']);
  });

  it('stays quiet on the generated line, which turns the sanitizer off, and when a later disable wins', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5', config: 'a.config' }), kernelSpec('b', { cpus: '2,6', cmdline: 'enable_mtrr_cleanup disable_mtrr_cleanup' })]), {
      configs: { a: SANITIZER_ON },
      bootCmdline: 'enable_mtrr_cleanup',
    });
    expect(runRule(mtrrRule, ctx)).toEqual([]);
  });
});
