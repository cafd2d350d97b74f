import { describe, expect, it } from 'vitest';
import { runRule } from '../rule.js';
import { hazardContext } from '../../../test/fixtures/hazard-context.js';
import { kernelSpec, layoutSpec } from '../../../test/fixtures/rule-context.js';
import { sharedLlcRule } from './shared-llc.js';

// Small machine: L3 0 = CPUs 0,1,4,5 (the boot kernel keeps CPU 0), L3 1 = CPUs 2,3,6,7.
describe('H23 shared-llc', () => {
  it('warns when a latency kernel shares its L3, with the LLC-aligned fix', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('rt', { cpus: '2,6', profile: 'latency' }), kernelSpec('web', { cpus: '3,7' })]));
    expect(runRule(sharedLlcRule, ctx)).toEqual([
      {
        severity: 'warning',
        rule: 'shared-llc',
        hazard: 'H23',
        message: 'latency-sensitive kernel "rt" shares a last-level cache with kernel "web": they evict its data, compete for memory bandwidth, and their WBINVDs empty its cache',
        fix: 'place it on whole last-level caches that no other kernel uses: a CPU count that is a multiple of 4 with placement: packed, or a list of whole L3s',
        path: ['kernels', 0, 'cpus'],
        kernels: ['rt', 'web'],
      },
    ]);
  });

  it('stays quiet for a latency kernel with an L3 to itself, and for other profiles sharing one', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('rt', { cpus: '2-3,6-7', profile: 'latency' }), kernelSpec('web', { cpus: '1,5', profile: 'throughput' })]));
    expect(runRule(sharedLlcRule, ctx)).toEqual([]);
  });
});
