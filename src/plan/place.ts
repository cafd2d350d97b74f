import type { Diagnostic } from '../spec/diagnostic.js';
import type { LayoutSpec } from '../spec/spec-schema.js';
import type { Topology } from '../topology/model.js';
import { parseSize } from '../units/size.js';
import { CpuIndex, FreeCpus } from './cpu-index.js';
import { parseCpuList } from '../units/cpulist.js';
import { placeBootCount, placeCountedCpus, type CpuStrategy } from './place-cpus.js';
import { DevicePool } from './place-devices.js';
import { PlacementScorer, SCORE_WEIGHTS, sharedLlcWeight } from './placement-score.js';
import type { KernelPlacement, Placement } from './resolved-layout.js';

export interface PlaceOptions {
  /** topology (default): docs/placement.md; first-fit: the naive baseline it is compared with. */
  strategy?: CpuStrategy;
  /** PCI address -> what of the boot kernel it backs (root filesystem, swap, default route): selectors never pick these. */
  bootDependencies?: ReadonlyMap<string, string>;
}

export interface PlaceResult {
  placement: Placement;
  diagnostics: Diagnostic[];
  /** The order the kernels were placed in (indexes into spec.kernels). */
  order: number[];
}

/** Layouts of at most this many kernels are placed in every order, and the best kept. */
export const EVERY_ORDER_UP_TO = 4;

/**
 * Chooses every kernel's CPUs, memory node and devices (docs/placement.md). Pure and
 * deterministic. User mistakes that make placement impossible become diagnostics with a
 * path into the spec; the kernel concerned then gets no CPUs. Conflicts placement can live
 * with (a CPU named twice, CPU 0 given away) are left to the validation rules.
 */
export function place(spec: LayoutSpec, topology: Topology, options: PlaceOptions = {}): PlaceResult {
  // What the topology says once, for every order tried: neither is changed by placing.
  const indexes: TopologyIndexes = { index: new CpuIndex(topology), scorer: new PlacementScorer(topology) };
  const first = placeInOrder(spec, topology, indexes, options, placementOrder(spec));
  const kernels = spec.kernels.length;
  if ((options.strategy ?? 'topology') !== 'topology' || kernels < 2 || kernels > EVERY_ORDER_UP_TO) return first;
  // Kernel by kernel, an early kernel can take what a later one needed more (the only free LLC,
  // the only one that fits whole). A few kernels are cheap to place in every order: keep the
  // order that places the most kernels, then (all placed) scores lowest; on a tie, the profile order.
  let best = first;
  const errors = (r: PlaceResult) => r.diagnostics.filter((d) => d.severity === 'error').length;
  for (const order of permutations(first.order)) {
    // Every cost is a count beyond the least possible: no order beats a layout placed whole at 0.
    if (errors(best) === 0 && best.placement.score === 0) break;
    if (order.every((k, i) => k === first.order[i])) continue;
    const tried = placeInOrder(spec, topology, indexes, options, order);
    if (errors(tried) < errors(best) || (errors(tried) === 0 && errors(best) === 0 && tried.placement.score < best.placement.score)) best = tried;
  }
  return best;
}

function* permutations(items: readonly number[]): Generator<number[]> {
  if (items.length <= 1) {
    yield [...items];
    return;
  }
  for (let i = 0; i < items.length; i++) {
    const rest = [...items.slice(0, i), ...items.slice(i + 1)];
    for (const tail of permutations(rest)) yield [items[i]!, ...tail];
  }
}

interface TopologyIndexes {
  index: CpuIndex;
  scorer: PlacementScorer;
}

function placeInOrder(spec: LayoutSpec, topology: Topology, { index, scorer }: TopologyIndexes, options: PlaceOptions, order: readonly number[]): PlaceResult {
  const strategy = options.strategy ?? 'topology';
  const diagnostics: Diagnostic[] = [];
  const free = new FreeCpus(index);

  // 1. Lists written by the user, kept in their order.
  const kernelCpus: number[][] = spec.kernels.map((kernel, i) =>
    typeof kernel.cpus === 'string' ? explicitCpus(kernel.cpus, ['kernels', i, 'cpus'], kernel.name, diagnostics) : [],
  );
  const bootSpec = spec.boot.cpus;
  let bootCpus: number[] | null = typeof bootSpec === 'string' ? explicitCpus(bootSpec, ['boot', 'cpus'], 'boot', diagnostics) : null;
  for (const cpus of kernelCpus) free.take(cpus);
  if (bootCpus) free.take(bootCpus);

  // 2. The boot kernel's count, from CPU 0's core; CPU 0's core stays with the boot kernel anyway.
  if (bootSpec !== undefined && typeof bootSpec !== 'string') {
    const outcome = placeBootCount(bootSpec.count, free, topology);
    diagnostics.push(...outcome.diagnostics);
    bootCpus = outcome.cpus;
  }
  const zeroCore = index.coreOfCpu(0);
  free.take(zeroCore === null ? [0] : index.cores[zeroCore]!.cpus);

  // 3. Count-based kernels, in spec order, among what is left; each kernel's device selectors
  // run once its memory node is known. What a choice costs counts the kernel's devices (by the
  // node its memory would come from) and the kernels already on each LLC (by profile).
  const pool = new DevicePool(spec, topology, { localityAware: strategy === 'topology', bootDependencies: options.bootDependencies });
  const owners = new LlcOwners(index);
  owners.add(bootCpus ?? [], -1);
  owners.add(zeroCore === null ? [0] : index.cores[zeroCore]!.cpus, -1);
  const weightOf = (i: number) => (i < 0 ? 0 : sharedLlcWeight(spec.kernels[i]!.profile));
  kernelCpus.forEach((cpus, i) => owners.add(cpus, i, weightOf(i)));
  const memoryNodes: (number | null)[] = spec.kernels.map(() => null);
  for (const i of order) {
    const kernel = spec.kernels[i]!;
    if (typeof kernel.cpus !== 'string') {
      const costs =
        strategy === 'topology'
          ? {
              memoryCost: pool.hasDevices(i)
                ? (node: number) => {
                    const remote = pool.remoteDevicesIf(i, node);
                    return remote === null ? null : SCORE_WEIGHTS.remoteDevice * remote;
                  }
                : undefined,
              groupExtra: (group: number) => owners.extraFor(group, i, weightOf),
            }
          : {};
      const outcome = placeCountedCpus({ name: kernel.name, index: i }, kernel.cpus, free, strategy, costs);
      diagnostics.push(...outcome.diagnostics);
      kernelCpus[i] = outcome.cpus;
      owners.add(outcome.cpus, i, weightOf(i));
    }
    // The kernel keeps `cpus` as a CPU mask: the "first CPU" whose node gives the memory is the
    // lowest-numbered one, whatever order the list was written in.
    const cpus = kernelCpus[i]!;
    const memoryNode = cpus.length === 0 ? null : scorer.nodeOf(Math.min(...cpus));
    memoryNodes[i] = memoryNode;
    pool.assign(i, memoryNode);
  }

  const bootOwned = [...(bootCpus ?? []), ...(zeroCore === null ? [0] : index.cores[zeroCore]!.cpus)];
  // 4. Without its own CPUs, the boot kernel keeps every CPU no kernel took.
  if (bootCpus === null) {
    const taken = new Set(kernelCpus.flat());
    bootCpus = topology.cpu.map((c) => c.id).filter((cpu) => !taken.has(cpu));
  }
  const devices = pool.result();
  diagnostics.push(...devices.diagnostics);

  // The boot kernel is a neighbour where it has CPUs it asked for (its list or count), or CPU 0's
  // core; the CPUs it keeps only because no kernel took them do not count here (H23 still says so).
  const neighbours = scorer.llcNeighbours(kernelCpus.map((cpus) => ({ cpus })), bootOwned);
  const kernels = spec.kernels.map((kernel, i): KernelPlacement => {
    const cpus = kernelCpus[i]!;
    const kernelDevices = devices.kernels[i]!;
    const memoryNode = memoryNodes[i] ?? null;
    return {
      name: kernel.name,
      index: i,
      cpus,
      memoryBytes: memorySize(kernel.memory, ['kernels', i, 'memory'], kernel.name, diagnostics),
      memoryNode,
      devices: kernelDevices,
      quality: { ...scorer.quality(cpus, kernelDevices, memoryNode), sharedLlcs: neighbours[i]! },
    };
  });
  const score = scorer.layoutScore(kernels.map((k, i) => ({ ...k, profile: spec.kernels[i]!.profile })));

  return {
    placement: { boot: { cpus: bootCpus, devices: devices.boot }, kernels, score },
    diagnostics,
    order: [...order],
  };
}

/** Who holds CPUs on each last-level cache so far (kernel index, -1 for the boot kernel). */
class LlcOwners {
  private readonly byCache = new Map<number, Set<number>>();
  constructor(private readonly index: CpuIndex) {}

  /** Caches holding a kernel whose neighbours cost (latency, throughput). */
  private readonly weighted = new Set<number>();

  add(cpus: readonly number[], owner: number, weight = 0): void {
    for (const cpu of cpus) {
      const llc = this.index.llcOfCpu(cpu);
      if (llc === null) continue;
      let set = this.byCache.get(llc);
      if (!set) this.byCache.set(llc, (set = new Set()));
      set.add(owner);
      if (weight > 0) this.weighted.add(llc);
    }
  }

  /**
   * What kernel `i` adds to the layout score by using a group: its own weight for each kernel
   * already on that LLC, and each of those kernels' weights for having `i` as a neighbour.
   */
  extraFor(group: number, i: number, weightOf: (owner: number) => number): number {
    const cache = this.index.groups[group]!.cache;
    const set = cache === null ? undefined : this.byCache.get(cache);
    if (!set || (weightOf(i) === 0 && !this.weighted.has(cache!))) return 0;
    let extra = 0;
    for (const owner of set) if (owner !== i) extra += weightOf(i) + weightOf(owner);
    return extra;
  }
}

/**
 * The order kernels are placed in: latency kernels first (they need last-level caches to
 * themselves), then throughput kernels (whole LLCs), then balanced ones; spec order within a
 * profile. Kernels with explicit lists take no choice, so their place in the order does not matter.
 */
export function placementOrder(spec: LayoutSpec): number[] {
  const rank = { latency: 0, throughput: 1, balanced: 2 } as const;
  return spec.kernels.map((_, i) => i).sort((a, b) => rank[spec.kernels[a]!.profile] - rank[spec.kernels[b]!.profile] || a - b);
}

function explicitCpus(text: string, path: (string | number)[], kernel: string, diagnostics: Diagnostic[]): number[] {
  try {
    return parseCpuList(text);
  } catch (error) {
    diagnostics.push({
      severity: 'error',
      rule: 'cpu-list',
      message: error instanceof Error ? error.message : `invalid CPU list ${JSON.stringify(text)}`,
      fix: 'write CPUs as a kernel cpulist such as "8-15,136-143" (the lowest CPU decides the memory node), or give a count: { count: 16 }',
      path,
      kernels: [kernel],
    });
    return [];
  }
}

function memorySize(text: string, path: (string | number)[], kernel: string, diagnostics: Diagnostic[]): number {
  try {
    return parseSize(text);
  } catch (error) {
    diagnostics.push({
      severity: 'error',
      rule: 'memory-size',
      message: error instanceof Error ? error.message : `invalid memory size ${JSON.stringify(text)}`,
      fix: 'write whole GiB such as "16G"',
      path,
      kernels: [kernel],
    });
    return 0;
  }
}
