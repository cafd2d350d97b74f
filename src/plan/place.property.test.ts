import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildLayout } from '../../test/fixtures/layout-builders.js';
import { buildTopology, type TopologyShape } from '../synthetic/topology-builder.js';
import { formatCpuList } from '../units/cpulist.js';
import { exhaustiveBestScore } from '../../test/fixtures/exhaustive-placement.js';
import { place } from './place.js';
import { PlacementScorer } from './placement-score.js';

/** Machines of up to 16 cores, any mix of packages, nodes, LLCs, threads and numbering. */
const smallShape: fc.Arbitrary<TopologyShape> = fc
  .record({
    packages: fc.integer({ min: 1, max: 2 }),
    nodesPerPackage: fc.integer({ min: 1, max: 2 }),
    llcsPerNode: fc.integer({ min: 1, max: 3 }),
    coresPerLlc: fc.integer({ min: 1, max: 4 }),
    threads: fc.integer({ min: 1, max: 2 }),
    numbering: fc.constantFrom('linux' as const, 'compact' as const),
  })
  .filter((s) => s.packages * s.nodesPerPackage * s.llcsPerNode * s.coresPerLlc <= 16);

/** A machine, the CPUs its boot kernel keeps besides CPU 0's core (whole cores or single threads), and a count. */
const scenario = smallShape.chain((shape) => {
  const cpus = shape.packages * shape.nodesPerPackage * shape.llcsPerNode * shape.coresPerLlc * shape.threads;
  const allCpus = Array.from({ length: cpus }, (_, i) => i);
  return fc.record({
    shape: fc.constant(shape),
    bootExtra: fc.subarray(allCpus, { maxLength: Math.floor(cpus / 2) }),
    cores: fc.integer({ min: 1, max: cpus / shape.threads }),
  });
});

describe('packed placement is optimal (property)', () => {
  it('scores the same as the best of every choice of whole free cores', () => {
    fc.assert(
      fc.property(scenario, ({ shape, bootExtra, cores }) => {
        const topology = buildTopology(shape);
        const zeroCore = topology.cores.find((c) => c.cpus.includes(0))!.cpus;
        const boot = [...new Set([...zeroCore, ...bootExtra])];
        const count = cores * shape.threads;
        const spec = buildLayout({ boot: { cpus: formatCpuList(boot) }, kernels: [{ name: 'k', cpus: { count } }] });

        const { placement, diagnostics } = place(spec, topology);
        const available = new Set(topology.cpu.map((c) => c.id).filter((cpu) => !boot.includes(cpu)));
        const best = exhaustiveBestScore(topology, available, count);

        if (best === null) {
          expect(diagnostics.map((d) => d.rule)).toEqual(['cpu-capacity']);
          return;
        }
        expect(diagnostics).toEqual([]);
        const kernel = placement.kernels[0]!;
        expect(kernel.cpus).toHaveLength(count);
        expect(kernel.cpus.every((cpu) => available.has(cpu))).toBe(true);
        expect(kernel.quality.splitCores).toBe(0);
        expect(placement.score).toBe(best.score);
        // Memory comes from the node of the lowest CPU: the kernel keeps a CPU mask.
        const scorer = new PlacementScorer(topology);
        expect(kernel.memoryNode).toBe(scorer.nodeOf(Math.min(...kernel.cpus)));
      }),
      { numRuns: 300 },
    );
  });

  it('several kernels of any policy never share a CPU, get exactly their count, and whole cores when asked', () => {
    const request = fc.record({
      cores: fc.integer({ min: 1, max: 4 }),
      placement: fc.constantFrom('packed' as const, 'spread' as const),
      granularity: fc.constantFrom('core' as const, 'thread' as const),
      extraThread: fc.boolean(),
    });
    fc.assert(
      fc.property(smallShape, fc.array(request, { minLength: 1, maxLength: 5 }), (shape, requests) => {
        const topology = buildTopology(shape);
        const kernels = requests.map((r, i) => ({
          name: `k${i}`,
          cpus: { count: r.cores * shape.threads + (r.granularity === 'thread' && r.extraThread ? 1 : 0), placement: r.placement, granularity: r.granularity },
        }));
        const { placement, diagnostics } = place(buildLayout({ kernels }), topology);
        const seen = new Set<number>(placement.boot.cpus);
        expect(seen.has(0)).toBe(true);
        placement.kernels.forEach((k, i) => {
          const failed = diagnostics.some((d) => d.path?.[1] === i);
          expect(k.cpus).toHaveLength(failed ? 0 : kernels[i]!.cpus.count);
          for (const cpu of k.cpus) {
            expect(seen.has(cpu)).toBe(false);
            seen.add(cpu);
          }
          if (kernels[i]!.cpus.granularity === 'core') expect(k.quality.splitCores).toBe(0);
        });
        expect(seen.size).toBe(topology.cpu.length);
      }),
      { numRuns: 200 },
    );
  });
});
