import { describe, expect, it } from 'vitest';
import { runRule } from '../rule.js';
import { hazardContext } from '../../../test/fixtures/hazard-context.js';
import { kernelSpec, layoutSpec } from '../../../test/fixtures/rule-context.js';
import { memoryNodeRule } from './memory-node.js';

// Small machine: node 0 = CPUs 0,1,4,5; node 1 = CPUs 2,3,6,7.
describe('H24 memory-node', () => {
  it('warns when CPUs span nodes, suggesting a first CPU on the node most of them are on', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,2-3,6-7' })]));
    expect(runRule(memoryNodeRule, ctx)).toEqual([
      {
        severity: 'warning',
        rule: 'memory-node',
        hazard: 'H24',
        message: 'kernel "a" has CPUs on NUMA nodes 0, 1, but all its memory comes from node 0 (the node of its lowest-numbered CPU, 1): CPUs 2-3,6-7 reach it remotely',
        fix: 'keep it on node 1, where most of its CPUs are (placement: nodes, nodes: [1]), or make its lowest-numbered CPU one of node 1 (such as 2)',
        path: ['kernels', 0, 'cpus'],
        kernels: ['a'],
      },
    ]);
  });

  it('suggests one node when the first CPU is already on the main node', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '2-3,6-7,1' })]));
    expect(runRule(memoryNodeRule, ctx).map((d) => d.fix)).toEqual(['keep it on one node: a CPU count with placement: nodes, nodes: [1], or CPUs of node 1 only']);
  });

  it('stays quiet for kernels on one node', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '1,5' }), kernelSpec('b', { cpus: '2-3,6-7' })]));
    expect(runRule(memoryNodeRule, ctx)).toEqual([]);
  });
});
