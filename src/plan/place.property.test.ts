import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildLayout, type KernelInput } from '../../test/fixtures/layout-builders.js';
import { buildTopology, type PciInput, type TopologyShape } from '../synthetic/topology-builder.js';
import { formatCpuList } from '../units/cpulist.js';
import { exhaustiveBestLayout, exhaustiveBestScore, layoutEvaluator } from '../../test/fixtures/exhaustive-placement.js';
import { withMemoryOnlyNode, withOfflineCores } from '../../test/fixtures/irregular-topology.js';
import type { Topology } from '../topology/model.js';
import { place } from './place.js';
import { PlacementScorer } from './placement-score.js';

const shapeOf = (maxCores: number): fc.Arbitrary<TopologyShape> =>
  fc
    .record({
      packages: fc.integer({ min: 1, max: 2 }),
      nodesPerPackage: fc.integer({ min: 1, max: 2 }),
      llcsPerNode: fc.integer({ min: 1, max: 3 }),
      coresPerLlc: fc.integer({ min: 1, max: 4 }),
      threads: fc.integer({ min: 1, max: 2 }),
      numbering: fc.constantFrom('linux' as const, 'compact' as const),
    })
    .filter((s) => s.packages * s.nodesPerPackage * s.llcsPerNode * s.coresPerLlc <= maxCores);

/** Machines of up to 16 cores, any mix of packages, nodes, LLCs, threads and numbering. */
const smallShape = shapeOf(16);

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
      { numRuns: 200 },
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
      { numRuns: 150 },
    );
  });
});

/**
 * Whole layouts on irregular machines: whole cores offline (so nodes and LLCs differ in size),
 * sometimes a node with memory and no CPUs, devices on any node (the memory-only one too),
 * a boot kernel with its own list (whole cores or single threads) or keeping the rest, and
 * 1 to 3 kernels of any profile and policy, some with a device selector.
 */
const layoutScenario = shapeOf(10)
  .filter((s) => s.packages * s.nodesPerPackage * s.llcsPerNode * s.coresPerLlc >= 4)
  .chain((shape) => {
  const nodes = shape.packages * shape.nodesPerPackage;
  const cores = nodes * shape.llcsPerNode * shape.coresPerLlc;
  const cpus = cores * shape.threads;
  const kernel = fc.record({
    cores: fc.integer({ min: 1, max: 3 }),
    placement: fc.constantFrom('packed' as const, 'packed' as const, 'packed' as const, 'spread' as const, 'nodes' as const),
    nodes: fc.shuffledSubarray(
      Array.from({ length: nodes }, (_, i) => i),
      { minLength: 1, maxLength: Math.min(2, nodes) },
    ),
    profile: fc.constantFrom('balanced' as const, 'latency' as const, 'throughput' as const),
    device: fc.option(fc.record({ class: fc.constantFrom('net' as const, 'nvme' as const), local: fc.constantFrom(true, false, false) }), { nil: undefined, freq: 2 }),
  });
  return fc.record({
    shape: fc.constant(shape),
    offline: fc.subarray(
      Array.from({ length: cores - 1 }, (_, i) => i + 1),
      { maxLength: Math.floor(cores / 3) },
    ),
    memoryOnly: fc.boolean(),
    devices: fc.array(fc.record({ class: fc.constantFrom('net' as const, 'nvme' as const), node: fc.integer({ min: 0, max: nodes }) }), { minLength: 1, maxLength: 5 }),
    bootKeepsRest: fc.boolean(),
    bootExtra: fc.subarray(
      Array.from({ length: cpus }, (_, i) => i),
      { maxLength: Math.min(2, cpus) },
    ),
    // Counts that fit the machine's cores besides CPU 0's (a refusal for capacity is still possible: offline cores, the boot kernel's list).
    kernels: fc.array(kernel, { minLength: 1, maxLength: 3 }).map((ks) => {
      let left = cores - 1;
      return ks.filter((k) => (left -= k.cores) >= 0);
    }),
  });
});

type LayoutScenario = typeof layoutScenario extends fc.Arbitrary<infer T> ? T : never;

function buildScenario(s: LayoutScenario) {
  const nodes = s.shape.packages * s.shape.nodesPerPackage;
  const pci: PciInput[] = s.devices.map((d, i) => ({
    address: `0000:${(0x10 + i).toString(16)}:00.0`,
    class: d.class,
    // Node `nodes` is the memory-only one; without it, such a device has no node.
    node: d.node < nodes ? d.node : s.memoryOnly ? nodes : null,
  }));
  let topology: Topology = buildTopology({ ...s.shape, pci, caches: 'llc' });
  topology = withOfflineCores(
    topology,
    s.offline.map((core) => topology.cores.findIndex((c) => c.cpus.includes(core * (s.shape.numbering === 'compact' ? s.shape.threads : 1)))),
  );
  if (s.memoryOnly) topology = withMemoryOnlyNode(topology, nodes);
  const online = new Set(topology.cpus.online);
  const zeroCore = topology.cores.find((c) => c.cpus.includes(0))!.cpus;
  const boot = s.bootKeepsRest ? undefined : { cpus: formatCpuList([...new Set([...zeroCore, ...s.bootExtra.filter((cpu) => online.has(cpu))])]) };
  const kernels: KernelInput[] = s.kernels.map((k, i) => ({
    name: `k${i}`,
    profile: k.profile,
    cpus: {
      count: k.cores * s.shape.threads,
      placement: k.placement === 'nodes' ? 'nodes' : k.placement,
      ...(k.placement === 'nodes' ? { nodes: k.nodes } : {}),
    },
    devices: k.device ? [{ class: k.device.class, local: k.device.local }] : [],
  }));
  return { topology, spec: buildLayout({ ...(boot ? { boot } : {}), kernels }) };
}

const sharesOf = (topology: Topology, cpus: readonly number[]) => {
  const nodeOf = new Map(topology.cpu.map((c) => [c.id, c.node ?? -1]));
  const shares = new Map<number, number>();
  for (const cpu of cpus) shares.set(nodeOf.get(cpu)!, (shares.get(nodeOf.get(cpu)!) ?? 0) + 1);
  return shares;
};

interface Tally {
  /** Layouts of two or three kernels, all placed, whose joint search finished. */
  jointChecked: number;
  /** ... of which the placement reached the joint optimum. */
  jointEqual: number;
  refused: number;
}

/**
 * One scenario, checked strictly: in placement order (placementOrder), each kernel either gets
 * exactly the best layout score any choice of its whole cores could give given the kernels
 * before it, or is refused and no such choice exists; the whole layout scores what the placer
 * reports; no joint choice of every kernel's cores beats it, and for one kernel it is the
 * joint optimum. Joint optima of several kernels are tallied: placement is greedy within an
 * order, so it cannot always reach them (docs/placement.md).
 */
function checkLayout(s: LayoutScenario, tally: Tally): void {
  const { topology, spec } = buildScenario(s);
  const { placement, diagnostics, order } = place(spec, topology);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const placed: (number[] | undefined)[] = spec.kernels.map(() => undefined);
  const evaluate = layoutEvaluator(spec, topology, order);
  const scorer = new PlacementScorer(topology);

  for (const [step, i] of order.entries()) {
    const kernel = placement.kernels[i]!;
    const failure = errors.find((d) => d.path?.[1] === i);
    const request = spec.kernels[i]!.cpus as { count: number; placement: string };
    const perNode = request.placement === 'spread' && kernel.cpus.length > 0 ? spec.kernels.map((_, j) => (j === i ? sharesOf(topology, kernel.cpus) : undefined)) : undefined;
    const best = exhaustiveBestLayout(spec, topology, { order, upTo: step + 1, fixed: placed, perNode });
    if (failure) {
      // Refused: given the kernels placed before it, no choice of whole cores places it
      // (on its nodes, with its local device selector met).
      tally.refused++;
      expect(best).toBeNull();
      return;
    }
    expect(kernel.cpus).toHaveLength(request.count);
    expect(kernel.quality.splitCores).toBe(0);
    expect(kernel.memoryNode).toBe(scorer.nodeOf(Math.min(...kernel.cpus)));
    // Placed: the layout so far scores the best any choice of this kernel's cores could give.
    expect(best).not.toBeNull();
    placed[i] = kernel.cpus;
    expect(evaluate(placed)).toBe((best as { score: number }).score);
  }
  expect(errors).toEqual([]);
  expect(evaluate(placed)).toBe(placement.score);

  // Jointly: every kernel's cores chosen together (spread kernels keeping their shares).
  const perNode = placement.kernels.map((k, i) => ((spec.kernels[i]!.cpus as { placement: string }).placement === 'spread' ? sharesOf(topology, k.cpus) : undefined));
  const joint = exhaustiveBestLayout(spec, topology, { order, perNode, budget: 20_000 });
  if (joint === 'too-large') return;
  expect(joint).not.toBeNull();
  const bestScore = (joint as { score: number }).score;
  expect(placement.score).toBeGreaterThanOrEqual(bestScore);
  if (spec.kernels.length === 1) {
    expect(placement.score).toBe(bestScore);
    return;
  }
  tally.jointChecked++;
  if (placement.score === bestScore) tally.jointEqual++;
}

describe('whole layouts on irregular machines (property)', () => {
  it('each kernel gets the best score left to it, refusals are real, one kernel is jointly optimal', () => {
    const tally: Tally = { jointChecked: 0, jointEqual: 0, refused: 0 };
    fc.assert(
      fc.property(layoutScenario, (s) => checkLayout(s, tally)),
      { numRuns: 150 },
    );
    // The generator is not all refusals.
    expect(tally.refused).toBeLessThan(100);
  });

  it('layouts of several kernels reach the joint optimum nearly always (a fixed sample)', () => {
    const tally: Tally = { jointChecked: 0, jointEqual: 0, refused: 0 };
    fc.assert(
      fc.property(layoutScenario, (s) => checkLayout(s, tally)),
      { numRuns: 150, seed: 20261206 },
    );
    // Layouts of up to 4 kernels are placed in every order and the best kept (place.ts). On
    // this sample all 32 with several kernels placed reach the joint optimum; over 2000 random
    // layouts, 428 of 429 did. The miss is a kernel's tie-break among equally good LLCs that a
    // later kernel needed: placement stays greedy within an order.
    expect(tally.jointChecked).toBeGreaterThan(20);
    expect(tally.jointEqual / tally.jointChecked).toBeGreaterThanOrEqual(0.95);
  });
});
