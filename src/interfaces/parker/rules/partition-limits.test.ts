import { describe, expect, test } from 'vitest';
import { runRule } from '../../../validate/rule.js';
import { GIB, explicitPlacement, kernelSpec, layoutSpec, ruleContext, smallTopology } from '../../../../test/fixtures/rule-context.js';
import { MAX_PARTITION_CPUS, MAX_PARTITION_DEVICES, partitionLimitsRule } from './partition-limits.js';

describe('H25 partition-limits', () => {
  test('fires past 512 CPUs, 256 devices and the memory of the node', () => {
    const spec = layoutSpec([kernelSpec('big', { cpus: '1', memory: '20G' })]);
    const topology = smallTopology();
    const placement = explicitPlacement(spec, topology);
    placement.kernels[0]!.cpus = Array.from({ length: 513 }, (_, i) => i + 1);
    placement.kernels[0]!.devices = Array.from({ length: 257 }, (_, i) => `0000:${(i >> 5).toString(16).padStart(2, '0')}:${(i & 31).toString(16).padStart(2, '0')}.0`);
    expect(runRule(partitionLimitsRule, ruleContext(spec, { topology, placement }))).toEqual([
      {
        severity: 'error',
        rule: 'partition-limits',
        hazard: 'H25',
        message: 'kernel "big" has 513 CPUs; a Parker partition holds at most 512',
        fix: 'give it at most 512 CPUs, or split it into two kernels',
        path: ['kernels', 0, 'cpus'],
        kernels: ['big'],
      },
      {
        severity: 'error',
        rule: 'partition-limits',
        hazard: 'H25',
        message: 'kernel "big" has 257 PCI devices; a Parker partition holds at most 256',
        fix: 'give it at most 256 devices, or split it into two kernels',
        path: ['kernels', 0, 'devices'],
        kernels: ['big'],
      },
      {
        severity: 'error',
        rule: 'partition-limits',
        hazard: 'H25',
        message: `kernel "big" asks for 20G, more than the 16 GiB of NUMA node 0 its memory comes from (one contiguous range on its first CPU's node)`,
        fix: 'memory: 16G or less, and less than the CMA pool of node 0',
        path: ['kernels', 0, 'memory'],
        kernels: ['big'],
      },
    ]);
  });

  test('quiet at exactly the limits', () => {
    const spec = layoutSpec([kernelSpec('edge', { cpus: '1', memory: '16G' })]);
    const topology = smallTopology();
    const placement = explicitPlacement(spec, topology);
    placement.kernels[0]!.cpus = Array.from({ length: MAX_PARTITION_CPUS }, (_, i) => i + 1);
    placement.kernels[0]!.devices = Array.from({ length: MAX_PARTITION_DEVICES }, (_, i) => `0000:${(i >> 5).toString(16).padStart(2, '0')}:${(i & 31).toString(16).padStart(2, '0')}.0`);
    expect(placement.kernels[0]!.memoryBytes).toBe(16 * GIB);
    expect(runRule(partitionLimitsRule, ruleContext(spec, { topology, placement }))).toEqual([]);
  });
});
