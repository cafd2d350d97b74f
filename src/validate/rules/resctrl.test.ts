import { describe, expect, it } from 'vitest';
import { runRule } from '../rule.js';
import { hazardContext } from '../../../test/fixtures/hazard-context.js';
import { kernelSpec, layoutSpec } from '../../../test/fixtures/rule-context.js';
import { resctrlRule } from './resctrl.js';

describe('H04 resctrl', () => {
  it('fires when a user cmdline forces an RDT feature back on', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5', cmdline: 'rdt=l3cat,!smba' })]));
    expect(runRule(resctrlRule, ctx)).toEqual([
      {
        severity: 'error',
        rule: 'resctrl',
        hazard: 'H04',
        message: 'kernel "a" turns on RDT l3cat with rdt=l3cat,!smba: its resctrl would overwrite the cache and bandwidth masks the boot kernel set for every kernel on the same L3',
        fix: 'remove rdt=l3cat,!smba from the cmdline of kernel "a"',
        path: ['kernels', 0, 'cmdline'],
        kernels: ['a'],
      },
    ]);
  });

  it('fires when a line lacks some of the rdt=! options', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5' })]));
    ctx.cmdlines[0]!.params = ctx.cmdlines[0]!.params.map((p) => (p.key === 'rdt' ? { ...p, value: '!l3cat,!mba' } : p));
    expect(runRule(resctrlRule, ctx).map((d) => [d.message, d.fix])).toEqual([
      [
        'kernel "a" does not turn off RDT l2cat, cmt, mbmtotal, mbmlocal: only the boot kernel may program the per-L3 resctrl masks',
        'add rdt=!l2cat,!cmt,!mbmtotal,!mbmlocal to the cmdline of kernel "a"',
      ],
    ]);
  });

  it('stays quiet on the generated line, also with extra features turned off', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5', cmdline: 'rdt=!smba' })]));
    expect(runRule(resctrlRule, ctx)).toEqual([]);
  });
});
