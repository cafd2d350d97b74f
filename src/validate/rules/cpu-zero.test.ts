import { describe, expect, test } from 'vitest';
import { runRule } from '../rule.js';
import { explicitPlacement, kernelSpec, layoutSpec, ruleContext, smallTopology } from '../../../test/fixtures/rule-context.js';
import { cpuZeroRule } from './cpu-zero.js';

describe('H21 cpu-zero', () => {
  test('fires for a kernel holding CPU 0, with the list without it as the fix', () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: '0-1,4' })]);
    expect(runRule(cpuZeroRule, ruleContext(spec))).toEqual([
      {
        severity: 'error',
        rule: 'cpu-zero',
        hazard: 'H21',
        message: 'kernel "a" takes CPU 0, which cannot be offlined on x86 and stays with the boot kernel',
        // CPU 4 is CPU 0's thread sibling on this machine: it goes too.
        fix: 'cpus: "1" (without CPU 0 and its thread siblings)',
        path: ['kernels', 0, 'cpus'],
        kernels: ['a'],
      },
    ]);
  });

  test('fires for a placed count that got CPU 0, and for boot.cpus leaving it out', () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: { count: 2, placement: 'packed', granularity: 'core' } })], { cpus: '1,5' });
    const topology = smallTopology();
    const placement = explicitPlacement(spec, topology);
    placement.kernels[0]!.cpus = [0, 4];
    expect(runRule(cpuZeroRule, ruleContext(spec, { topology, placement })).map((d) => [d.fix, d.path])).toEqual([
      ['leave CPU 0 to the boot kernel: name it in boot.cpus or lower the count', ['kernels', 0, 'cpus']],
      ['boot.cpus: "0-1,5"', ['boot', 'cpus']],
    ]);
  });

  test('quiet when CPU 0 stays with the boot kernel', () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: '1-3,5-7' })], { cpus: '0,4' });
    expect(runRule(cpuZeroRule, ruleContext(spec))).toEqual([]);
  });
});
