import { describe, expect, test } from 'vitest';
import { runRule } from '../rule.js';
import { kernelSpec, layoutSpec, ruleContext, smallTopology } from '../../../test/fixtures/rule-context.js';
import { bootWholeCoreRule } from './boot-whole-core.js';

// Small machine cores: {0,4} {1,5} {2,6} {3,7}.
describe('boot-whole-core', () => {
  test('fires when the boot kernel keeps only half cores, naming who holds the rest of CPU 0’s core', () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: '4,5' }), kernelSpec('b', { cpus: '2,3,6,7' })]);
    expect(runRule(bootWholeCoreRule, ruleContext(spec))).toEqual([
      {
        severity: 'error',
        rule: 'boot-whole-core',
        message: 'the boot kernel keeps CPUs 0-1 but no whole core: it needs every thread of at least one core',
        fix: 'leave CPUs 0,4 (one whole core) to the boot kernel: take CPU 4 out of kernel "a"',
        path: ['kernels', 0, 'cpus'],
        kernels: ['boot', 'a'],
      },
    ]);
  });

  test('fires when the boot kernel keeps no CPU at all, pointing at boot.cpus when written', () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: '0-7' })], { cpus: '' });
    const [d] = runRule(bootWholeCoreRule, ruleContext(spec));
    expect(d?.message).toBe('the boot kernel keeps no CPU: it needs at least one whole core to run and to start the other kernels');
    expect(d?.fix).toBe('leave CPUs 0,4 (one whole core) to the boot kernel: take CPUs 0,4 out of kernel "a"');
    expect(d?.path).toEqual(['boot', 'cpus']);
  });

  test('quiet when any core is whole, even not CPU 0’s', () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: '4' }), kernelSpec('b', { cpus: '2,3,6,7' })]);
    expect(runRule(bootWholeCoreRule, ruleContext(spec))).toEqual([]);
  });

  test('quiet when thread siblings are unknown', () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: '1-7' })], { cpus: '0' });
    expect(runRule(bootWholeCoreRule, ruleContext(spec, { topology: smallTopology({ cores: [] }) }))).toEqual([]);
  });
});
