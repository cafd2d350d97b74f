import { describe, expect, it } from 'vitest';
import { runRule } from '../rule.js';
import { hazardContext } from '../../../test/fixtures/hazard-context.js';
import { kernelSpec, layoutSpec } from '../../../test/fixtures/rule-context.js';
import { microcodeRule } from './microcode.js';

describe('H05 microcode', () => {
  it('fires for an application kernel line without dis_ucode_ldr', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5' })]));
    ctx.cmdlines[0]!.params = ctx.cmdlines[0]!.params.filter((p) => p.key !== 'dis_ucode_ldr');
    expect(runRule(microcodeRule, ctx)).toEqual([
      {
        severity: 'error',
        rule: 'microcode',
        hazard: 'H05',
        message: 'kernel "a" has no dis_ucode_ldr: it would load microcode onto its own cores only, leaving the machine with mixed microcode revisions',
        fix: 'add dis_ucode_ldr to the cmdline of kernel "a"',
        path: ['kernels', 0, 'cmdline'],
        kernels: ['a'],
      },
    ]);
  });

  it('does not count a dis_ucode_ldr after "--" (it goes to init)', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5', cmdline: '-- dis_ucode_ldr' })]));
    ctx.cmdlines[0]!.params = ctx.cmdlines[0]!.params.filter((p) => p.key !== 'dis_ucode_ldr' || p.source === 'user');
    expect(runRule(microcodeRule, ctx).map((d) => d.rule)).toEqual(['microcode']);
  });

  it('stays quiet on the generated line; the boot kernel may load microcode', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5' })]), { bootCmdline: 'iommu=pt' });
    expect(runRule(microcodeRule, ctx)).toEqual([]);
  });
});
