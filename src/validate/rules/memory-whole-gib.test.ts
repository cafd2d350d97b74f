import { describe, expect, test } from 'vitest';
import { kernelSpec, layoutSpec, ruleContext } from '../../../test/fixtures/rule-context.js';
import { memoryWholeGibRule } from './memory-whole-gib.js';

describe('memory-whole-gib', () => {
  test('fires: an error for no memory, a warning for a fraction of a GiB', () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: '1', memory: '0G' }), kernelSpec('b', { cpus: '2', memory: '1536M' })]);
    expect(memoryWholeGibRule.check(ruleContext(spec))).toEqual([
      { severity: 'error', rule: 'memory-whole-gib', message: 'kernel "a" asks for no memory ("0G")', fix: 'memory: 1G or more', path: ['kernels', 0, 'memory'], kernels: ['a'] },
      {
        severity: 'warning',
        rule: 'memory-whole-gib',
        message: 'kernel "b" asks for 1536M, but Parker allocates whole GiB: it will take 2G from the pool',
        fix: 'memory: 2G',
        path: ['kernels', 1, 'memory'],
        kernels: ['b'],
      },
    ]);
  });

  test('quiet for whole GiB, however written', () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: '1', memory: '2G' }), kernelSpec('b', { cpus: '2', memory: '3072M' })]);
    expect(memoryWholeGibRule.check(ruleContext(spec))).toEqual([]);
  });
});
