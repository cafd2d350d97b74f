import { describe, expect, test } from 'vitest';
import { runRule } from '../rule.js';
import { kernelSpec, layoutSpec, ruleContext } from '../../../test/fixtures/rule-context.js';
import { cpuOverlapRule } from './cpu-overlap.js';

describe('cpu-overlap', () => {
  test('fires once per pair of kernels sharing CPUs, and for CPUs boot.cpus keeps', () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: '1-3' }), kernelSpec('b', { cpus: '2,3,5' }), kernelSpec('c', { cpus: '3,4' })], { cpus: '0,4' });
    expect(runRule(cpuOverlapRule, ruleContext(spec))).toEqual([
      {
        severity: 'error',
        rule: 'cpu-overlap',
        message: 'kernels "a" and "b" both take CPUs 2-3',
        fix: 'remove 2-3 from the CPUs of "b" or of "a"',
        path: ['kernels', 1, 'cpus'],
        kernels: ['a', 'b'],
      },
      {
        severity: 'error',
        rule: 'cpu-overlap',
        message: 'kernels "a" and "c" both take CPU 3',
        fix: 'remove 3 from the CPUs of "c" or of "a"',
        path: ['kernels', 2, 'cpus'],
        kernels: ['a', 'c'],
      },
      {
        severity: 'error',
        rule: 'cpu-overlap',
        message: 'kernel "c" takes CPU 4, which boot.cpus keeps for the boot kernel',
        fix: 'remove 4 from the CPUs of "c" or from boot.cpus',
        path: ['kernels', 2, 'cpus'],
        kernels: ['boot', 'c'],
      },
    ]);
  });

  test('quiet when the CPUs are disjoint', () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: '1,5' }), kernelSpec('b', { cpus: '2-3,6-7' })], { cpus: '0,4' });
    expect(runRule(cpuOverlapRule, ruleContext(spec))).toEqual([]);
  });
});
