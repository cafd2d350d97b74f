import { describe, expect, it } from 'vitest';
import { buildTopology } from '../synthetic/topology-builder.js';
import { PlacementScorer, SCORE_WEIGHTS, kernelPlacementScore } from './placement-score.js';

/** 2 nodes x 2 LLCs x 2 cores x 2 threads; siblings n and n+8; LLC k = cores 2k, 2k+1. */
const topology = buildTopology({
  packages: 1,
  nodesPerPackage: 2,
  llcsPerNode: 2,
  coresPerLlc: 2,
  threads: 2,
  caches: 'llc',
  pci: [
    { address: '0000:01:00.0', node: 0 },
    { address: '0000:41:00.0', node: 1 },
    { address: '0000:42:00.0', node: null },
  ],
});
const scorer = new PlacementScorer(topology);

describe('PlacementScorer', () => {
  it('reports nodes, LLCs, split cores and remote devices', () => {
    expect(scorer.quality([5, 1, 9, 13, 6], ['0000:01:00.0', '0000:41:00.0', '0000:42:00.0', '0000:99:00.0'], 1)).toEqual({
      nodes: [0, 1],
      llcs: [0, 2, 3],
      // {5,13} and {1,9} are whole; {6,14} is split.
      splitCores: 1,
      // Unknown node and unknown device: not counted.
      remoteDevices: ['0000:01:00.0'],
      // CPUs 1 and 9 are on node 0, away from memory node 1.
      remoteMemoryCpus: 2,
      sharedLlcs: 0,
    });
    expect(scorer.quality([1], ['0000:41:00.0'], null).remoteDevices).toEqual([]);
  });

  it('knows the fewest nodes and LLCs any N CPUs need here', () => {
    expect([0, 1, 4, 5, 8, 9, 16, 17].map((n) => scorer.minimalNodes(n))).toEqual([0, 1, 1, 1, 1, 2, 2, 2]);
    expect([0, 1, 4, 5, 8, 9, 16, 17].map((n) => scorer.minimalLlcs(n))).toEqual([0, 1, 1, 2, 2, 3, 4, 4]);
  });

  it('scores by the documented weights', () => {
    expect(SCORE_WEIGHTS).toEqual({ node: 100, llc: 10, splitCore: 50, remoteDevice: 20, remoteMemoryCpu: 2, sharedLlc: { latency: 40, throughput: 10, balanced: 0 } });
    const cpus = [1, 2, 9, 10, 4];
    const kernel = { cpus, quality: scorer.quality(cpus, ['0000:41:00.0'], 0) };
    // 5 CPUs: at best 1 node, 2 LLCs, none remote. Here 2 nodes (+100), 3 LLCs (+10), CPU 4 reaches
    // memory node 0 remotely (+2), {2,10} whole, {4,12} split (+50), one remote device (+20).
    expect(scorer.kernelScore(kernel)).toBe(182);
    expect(kernelPlacementScore(kernel, topology)).toBe(182);
    expect(scorer.layoutScore([kernel, kernel])).toBe(364);
  });

  it('charges remote memory only beyond what the machine forces', () => {
    // 10 CPUs: a node holds 8, so at least 2 reach the memory remotely.
    expect(scorer.minimalRemoteCpus(10)).toBe(2);
    expect(scorer.minimalRemoteCpus(8)).toBe(0);
    const cpus = [1, 9, 2, 3, 10, 11, 4, 5, 12, 13];
    // 2 nodes and 3 LLCs, the fewest for 10; memory on node 0 (6 CPUs there, 4 remote: 2 beyond the 2 that must be): 2 x 2.
    expect(scorer.kernelScore({ cpus, quality: scorer.quality(cpus, [], 0) })).toBe(4);
  });

  it('counts the other kernels on a kernel\'s LLCs, and charges them by profile', () => {
    // LLC 0 = CPUs 0,1,8,9; LLC 1 = 2,3,10,11. Boot on {0,8}; a on {1,9} and {2,10}; b on {3,11}.
    const kernels = [{ cpus: [1, 9, 2, 10] }, { cpus: [3, 11] }];
    expect(scorer.llcNeighbours(kernels, [0, 8])).toEqual([2, 1]);
    const quality = (cpus: number[], shared: number) => ({ ...scorer.quality(cpus, [], 0), sharedLlcs: shared });
    expect(scorer.kernelScore({ cpus: [3, 11], quality: quality([3, 11], 1), profile: 'latency' })).toBe(40);
    expect(scorer.kernelScore({ cpus: [3, 11], quality: quality([3, 11], 1), profile: 'throughput' })).toBe(10);
    expect(scorer.kernelScore({ cpus: [3, 11], quality: quality([3, 11], 1), profile: 'balanced' })).toBe(0);
  });

  it('a perfectly local kernel scores 0', () => {
    const cpus = [2, 3, 10, 11];
    expect(scorer.kernelScore({ cpus, quality: scorer.quality(cpus, ['0000:01:00.0'], 0) })).toBe(0);
  });
});
