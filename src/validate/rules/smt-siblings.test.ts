import { describe, expect, it } from 'vitest';
import { runRule } from '../rule.js';
import { hazardContext } from '../../../test/fixtures/hazard-context.js';
import { kernelSpec, layoutSpec } from '../../../test/fixtures/rule-context.js';
import { smtSiblingsRule } from './smt-siblings.js';

// Small machine: cores {0,4} {1,5} {2,6} {3,7}.
describe('H01 smt-siblings', () => {
  it('fires when a kernel takes one thread of a core the boot kernel keeps', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1' })]));
    expect(runRule(smtSiblingsRule, ctx)).toEqual([
      {
        severity: 'error',
        rule: 'smt-siblings',
        hazard: 'H01',
        message:
          'core with CPUs 1,5 is split between the boot kernel and kernel "a": threads of one core share the split-lock and speculation-control MSRs, which each kernel would set for both',
        fix: 'give whole cores to one kernel: remove CPU 1 from kernel "a", or give it CPU 5 too; with a CPU count, use granularity: core',
        path: ['kernels', 0, 'cpus'],
        kernels: ['boot', 'a'],
      },
    ]);
  });

  it('fires once per pair of kernels, listing every split core', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1-3' }), kernelSpec('b', { cpus: '5-7' })]));
    expect(runRule(smtSiblingsRule, ctx).map((d) => [d.message.split(':')[0], d.fix, d.path, d.kernels])).toEqual([
      [
        'cores with CPUs 1,5; 2,6; 3,7 are split between kernel "a" and kernel "b"',
        'give whole cores to one kernel: remove CPUs 5-7 from kernel "b", or give it CPUs 1-3 too; with a CPU count, use granularity: core',
        ['kernels', 1, 'cpus'],
        ['a', 'b'],
      ],
    ]);
  });

  it('stays quiet when every kernel has whole cores', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5' }), kernelSpec('b', { cpus: '2-3,6-7' })]));
    expect(runRule(smtSiblingsRule, ctx)).toEqual([]);
  });
});
