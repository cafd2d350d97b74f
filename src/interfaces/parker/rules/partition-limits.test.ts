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

  test("names the node's CMA pool when the kernel shows it: its size, or another node when it holds less than 1 GiB", () => {
    const spec = layoutSpec([kernelSpec('big', { cpus: '1', memory: '20G' })]);
    const fixFor = (poolBytes: number) => {
      const topology = smallTopology();
      const pages = (bytes: number) => ({ totalPages: bytes / 4096, availablePages: null, allocPagesSuccess: null, allocPagesFail: null, releasePagesSuccess: null });
      topology.cma = [{ name: 'parker0', ...pages(poolBytes) }, { name: 'parker1', ...pages(8 * GIB) }];
      return runRule(partitionLimitsRule, ruleContext(spec, { topology, placement: explicitPlacement(spec, topology) })).map((d) => d.fix);
    };
    expect(fixFor(12 * GIB)).toEqual(['memory: 12G or less (the CMA pool of node 0 holds 12 GiB, shared by the kernels whose memory comes from it), or place the kernel on a node with more']);
    expect(fixFor(64 * 2 ** 20)).toEqual(['place the kernel on another node: the CMA pool of node 0 holds 64 MiB, less than the 1 GiB a partition takes']);
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
