import { describe, expect, test } from 'vitest';
import { runRule } from '../rule.js';
import { explicitPlacement, kernelSpec, layoutSpec, ruleContext, smallTopology } from '../../../test/fixtures/rule-context.js';
import { nodeExistsRule } from './node-exists.js';

const pinned = (nodes: number[]) => ({ count: 2, placement: 'nodes' as const, nodes, granularity: 'core' as const });

describe('node-exists', () => {
  test("fires when a kernel's memory node is unknown or missing", () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: '1' }), kernelSpec('b', { cpus: '2' })]);
    const topology = smallTopology();
    const placement = explicitPlacement(spec, topology);
    placement.kernels[0]!.memoryNode = null;
    placement.kernels[1]!.memoryNode = 9;
    expect(runRule(nodeExistsRule, ruleContext(spec, { topology, placement }))).toEqual([
      {
        severity: 'warning',
        rule: 'node-exists',
        message: 'the NUMA node of CPU 1, the first CPU of kernel "a", is unknown, so neither is the pool its memory comes from',
        fix: 'discover the machine with its CPUs online so their nodes are known, or check the memory pools by hand',
        path: ['kernels', 0, 'cpus'],
        kernels: ['a'],
      },
      {
        severity: 'error',
        rule: 'node-exists',
        message: 'kernel "b" would take its memory from NUMA node 9, which the machine does not have',
        fix: 'put a CPU of a node with memory first in its CPU list (nodes: 0, 1)',
        path: ['kernels', 1, 'cpus'],
        kernels: ['b'],
      },
    ]);
  });

  test('quiet for known memory nodes, and for CPUs the machine lacks (cpu-exists reports those)', () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: pinned([1]) }), kernelSpec('b', { cpus: '1' }), kernelSpec('c', { cpus: '99' })]);
    const topology = smallTopology();
    const placement = explicitPlacement(spec, topology);
    placement.kernels[0]!.cpus = [2, 6];
    placement.kernels[0]!.memoryNode = 1;
    expect(runRule(nodeExistsRule, ruleContext(spec, { topology, placement }))).toEqual([]);
  });
});
