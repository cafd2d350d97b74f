import type { Diagnostic } from '../spec/diagnostic.js';
import type { Topology } from '../topology/model.js';
import { formatCpuList } from '../units/cpulist.js';
import type { CpuIndex, FreeCpus, Granularity } from './cpu-index.js';
import { firstFitCpus } from './first-fit.js';
import { packIntoGroups, type GroupCapacity, type GroupTake } from './pack-llcs.js';
import { spreadOverNodes } from './spread-nodes.js';

/** A kernel's CPUs given as a count (spec `cpus: { count, placement, nodes, granularity }`). */
export interface CountRequest {
  count: number;
  placement: 'packed' | 'spread' | 'nodes';
  nodes?: number[] | undefined;
  granularity: Granularity;
}

/** topology: the placement of docs/placement.md; first-fit: lowest free CPU numbers (the baseline). */
export type CpuStrategy = 'topology' | 'first-fit';

export type CpuOutcome = { cpus: number[]; diagnostics: Diagnostic[] };

/** What the layout so far makes a kernel's choices cost, beyond its own nodes and LLCs. */
export interface PlacementCosts {
  /** Score of taking the memory from a node (its remote devices), or null when its local device selectors cannot be met there. */
  memoryCost?: (node: number) => number | null;
  /** Score the kernel adds by using a group: the kernels already on its LLC, weighed by profile. */
  groupExtra?: (group: number) => number;
}

interface Who {
  name: string;
  index: number;
}

/**
 * CPUs for one count-based kernel, taken from `free` (which this updates), ascending: the
 * lowest CPU's node gives the memory. On failure the list is empty and a diagnostic says why
 * and what to change.
 */
export function placeCountedCpus(who: Who, request: CountRequest, free: FreeCpus, strategy: CpuStrategy, costs: PlacementCosts = {}): CpuOutcome {
  const index = free.index;
  const path = ['kernels', who.index, 'cpus'];
  const fail = (d: Omit<Diagnostic, 'severity' | 'kernels'>): CpuOutcome => ({ cpus: [], diagnostics: [{ severity: 'error', kernels: [who.name], ...d }] });

  if (request.placement === 'nodes' && (request.nodes === undefined || request.nodes.length === 0)) {
    return fail({
      rule: 'cpu-nodes-missing',
      message: `kernel "${who.name}" uses placement: nodes but names no nodes`,
      fix: `add nodes: [${index.nodes[0] ?? 0}] (NUMA nodes with CPUs: ${formatCpuList(index.nodes)}), or use placement: packed`,
      path: [...path, 'placement'],
    });
  }
  for (const [i, node] of (request.nodes ?? []).entries()) {
    if (!index.groupsOfNode.has(node)) {
      return fail({
        rule: 'cpu-nodes-unknown',
        message: `kernel "${who.name}" names NUMA node ${node}, which has no CPUs on this machine`,
        fix: `use nodes with CPUs: ${formatCpuList(index.nodes)}`,
        path: [...path, 'nodes', i],
      });
    }
  }

  const allowed = [...new Set(request.nodes ?? index.nodes)];

  const unit = request.granularity === 'core' ? index.threadsPerCore : 1;
  if (request.count % unit !== 0) {
    const down = request.count - (request.count % unit);
    const up = down + unit;
    return fail({
      rule: 'cpu-count-whole-cores',
      message: `kernel "${who.name}" asks for ${request.count} CPUs, but a core has ${unit} threads and granularity: core takes whole cores only`,
      fix: `set count to ${down > 0 ? `${down} or ${up}` : up}, or add granularity: thread to allow a split core`,
      path: [...path, 'count'],
    });
  }

  // Only groups with room: late in a large layout most are full.
  const candidates: GroupCapacity[] = [];
  let available = 0;
  for (const node of allowed) {
    for (const group of index.groupsOfNode.get(node)!) {
      const capacity = free.capacity(group, request.granularity);
      if (capacity === 0) continue;
      candidates.push({ group, node, capacity, extra: costs.groupExtra?.(group) ?? 0});
      available += capacity;
    }
  }
  if (available < request.count) return fail(capacityDiagnostic(who, request, free, allowed, available, unit));

  if (strategy === 'first-fit') return { cpus: firstFitCpus(free, request.count), diagnostics: [] };

  // The memory node's devices (and local selectors) weigh in; when no node can meet the local
  // selectors, the CPUs are placed without them and the selectors report it.
  const rank = request.placement === 'nodes' || request.nodes !== undefined ? (node: number) => allowed.indexOf(node) : () => 0;
  const firstCpu = (group: number) => free.firstUsableCpu(group, request.granularity);
  const takes: GroupTake[] | null =
    request.placement === 'spread'
      ? spreadOverNodes(candidates, request.count, unit, request.nodes ?? [...new Set(candidates.map((c) => c.node))])
      : (packIntoGroups(candidates, request.count, { rank, unit, memoryCost: costs.memoryCost, firstCpu }) ?? packIntoGroups(candidates, request.count, { rank, unit, firstCpu }));
  const chosen: number[] = [];
  for (const take of takes ?? []) chosen.push(...free.takeFromGroup(take.group, take.amount, request.granularity));
  // Cores of unequal sizes can leave a group short of an exact amount: top up from the other allowed groups.
  for (const c of candidates) {
    if (chosen.length >= request.count) break;
    chosen.push(...free.takeFromGroup(c.group, request.count - chosen.length, request.granularity));
  }
  if (chosen.length < request.count) {
    free.release(chosen);
    return fail(capacityDiagnostic(who, request, free, allowed, chosen.length, unit));
  }
  // Ascending: the kernel keeps a CPU mask, and its lowest CPU decides the memory node.
  return { cpus: [...chosen].sort((a, b) => a - b), diagnostics: [] };
}

function capacityDiagnostic(who: Who, request: CountRequest, free: FreeCpus, allowed: readonly number[], available: number, unit: number): Omit<Diagnostic, 'severity' | 'kernels'> {
  const index = free.index;
  const kind = request.granularity === 'core' ? 'CPUs in whole free cores' : 'free CPUs';
  const perNode = allowed
    .map((node) => {
      const cpus = (index.groupsOfNode.get(node) ?? []).flatMap((g) => free.usableCpus(g, request.granularity));
      return cpus.length === 0 ? `node ${node}: none` : `node ${node}: ${cpus.length} (${formatCpuList(cpus)})`;
    })
    .join('; ');
  const fitting = available - (available % unit);
  const threadsFree = allowed.flatMap((node) => index.groupsOfNode.get(node) ?? []).reduce((sum, g) => sum + free.capacity(g, 'thread'), 0);
  const lower = fitting > 0 ? `lower count to ${fitting}` : 'give this kernel CPUs explicitly';
  const threads = request.granularity === 'core' && threadsFree >= request.count ? `, allow split cores with granularity: thread (${threadsFree} CPUs free)` : '';
  const where = request.nodes === undefined ? '' : ` on nodes ${formatCpuList(allowed)}`;
  return {
    rule: 'cpu-capacity',
    message: `kernel "${who.name}" asks for ${request.count} CPUs but only ${available} ${kind} are left${where} after the boot kernel and the kernels before it: ${perNode}`,
    fix: `${lower}${threads}, or take CPUs from the boot kernel or the kernels listed before it${request.nodes === undefined ? '' : ', or allow more nodes'}`,
    path: ['kernels', who.index, 'cpus', 'count'],
  };
}

/**
 * The boot kernel's `cpus: { count }`: whole cores from CPU 0's core, filling CPU 0's LLC,
 * then its node, then the nearest nodes. A count that is not whole cores is rounded up (warning).
 */
export function placeBootCount(count: number, free: FreeCpus, topology: Topology): CpuOutcome {
  const index = free.index;
  const unit = index.threadsPerCore;
  const diagnostics: Diagnostic[] = [];
  const path = ['boot', 'cpus', 'count'];
  let wanted = count;
  if (count % unit !== 0) {
    wanted = count + unit - (count % unit);
    diagnostics.push({
      severity: 'warning',
      rule: 'cpu-count-whole-cores',
      message: `the boot kernel keeps whole cores: ${wanted} CPUs rather than ${count} (a core has ${unit} threads)`,
      fix: `set boot.cpus.count to ${wanted}`,
      path,
      kernels: ['boot'],
    });
  }
  const chosen: number[] = [];
  for (const coreIndex of bootCoreOrder(index, topology)) {
    if (chosen.length >= wanted) break;
    if (!free.isWholeCoreFree(coreIndex)) continue;
    chosen.push(...index.cores[coreIndex]!.cpus);
  }
  if (chosen.length < wanted) {
    diagnostics.push({
      severity: 'error',
      rule: 'cpu-capacity',
      message: `the boot kernel asks for ${wanted} CPUs but only ${chosen.length} are in whole cores not named by the kernels`,
      fix: `lower boot.cpus.count to ${chosen.length}, or give the kernels fewer CPUs`,
      path,
      kernels: ['boot'],
    });
  }
  free.take(chosen);
  return { cpus: chosen.sort((a, b) => a - b), diagnostics };
}

/** Cores in the order the boot kernel fills them: CPU 0's core, its LLC, its node, then nodes by distance. */
function bootCoreOrder(index: CpuIndex, topology: Topology): number[] {
  const zeroCore = index.coreOfCpu(0);
  const home = zeroCore === null ? index.groups[0] : index.groups[index.cores[zeroCore]!.group];
  if (home === undefined) return [];
  const distances = topology.nodes.find((n) => n.id === home.node)?.distances ?? {};
  const distance = (node: number) => distances[String(node)] ?? Number.MAX_SAFE_INTEGER;
  const groups = [...index.groups].sort(
    (a, b) =>
      Number(b.index === home.index) - Number(a.index === home.index) ||
      Number(b.node === home.node) - Number(a.node === home.node) ||
      distance(a.node) - distance(b.node) ||
      a.node - b.node ||
      a.index - b.index,
  );
  const order = groups.flatMap((g) => g.cores);
  return zeroCore === null ? order : [zeroCore, ...order.filter((c) => c !== zeroCore)];
}
