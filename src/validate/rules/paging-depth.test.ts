import { describe, expect, it } from 'vitest';
import { runRule } from '../rule.js';
import { hazardContext } from '../../../test/fixtures/hazard-context.js';
import { kernelSpec, layoutSpec } from '../../../test/fixtures/rule-context.js';
import { pagingDepthRule } from './paging-depth.js';

describe('H20 paging-depth', () => {
  it('fires when an application kernel has no5lvl and the boot kernel does not', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5', cmdline: 'no5lvl' })]));
    expect(runRule(pagingDepthRule, ctx)).toEqual([
      {
        severity: 'error',
        rule: 'paging-depth',
        hazard: 'H20',
        message:
          "kernel \"a\" has no5lvl but the boot kernel has (not set): Parker starts an application kernel with the boot kernel's page-table depth (4 or 5 levels), so a kernel expecting the other depth fails to start",
        fix: 'remove no5lvl from the cmdline of kernel "a": the boot kernel does not set no5lvl=',
        path: ['kernels', 0, 'cmdline'],
        kernels: ['boot', 'a'],
      },
    ]);
  });

  it('fires when a line lacks the boot kernel no5lvl', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5' })]), { bootCmdline: 'no5lvl' });
    ctx.cmdlines[0]!.params = ctx.cmdlines[0]!.params.filter((p) => p.key !== 'no5lvl');
    expect(runRule(pagingDepthRule, ctx).map((d) => d.fix)).toEqual(['add no5lvl to the cmdline of kernel "a", the boot kernel\'s setting']);
  });

  it('stays quiet when the generated line copies no5lvl', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5' })]), { bootCmdline: 'no5lvl' });
    expect(runRule(pagingDepthRule, ctx)).toEqual([]);
  });
});
