import { describe, expect, test } from 'vitest';
import { runRule } from '../rule.js';
import { kernelSpec, layoutSpec, ruleContext } from '../../../test/fixtures/rule-context.js';
import { cpuExistsRule } from './cpu-exists.js';

describe('cpu-exists', () => {
  test('fires for CPUs the machine does not have, in a kernel and in boot.cpus', () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: '1,9-10' })], { cpus: '0,12' });
    expect(runRule(cpuExistsRule, ruleContext(spec))).toEqual([
      {
        severity: 'error',
        rule: 'cpu-exists',
        message: 'kernel "a" names CPUs 9-10, which the machine does not have (its CPUs are 0-7)',
        fix: 'choose CPUs within 0-7',
        path: ['kernels', 0, 'cpus'],
        kernels: ['a'],
      },
      {
        severity: 'error',
        rule: 'cpu-exists',
        message: 'the boot kernel names CPU 12, which the machine does not have (its CPUs are 0-7)',
        fix: 'choose CPUs within 0-7',
        path: ['boot', 'cpus'],
        kernels: ['boot'],
      },
    ]);
  });

  test('quiet when every CPU exists; counts and unreadable lists are placement\'s concern', () => {
    const spec = layoutSpec(
      [kernelSpec('a', { cpus: '1-3,5-7' }), kernelSpec('b', { cpus: { count: 64, placement: 'packed', granularity: 'core' } }), kernelSpec('c', { cpus: '3-1' })],
      { cpus: '0,4' },
    );
    expect(runRule(cpuExistsRule, ruleContext(spec))).toEqual([]);
  });
});
