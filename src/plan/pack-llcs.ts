import { SCORE_WEIGHTS } from './placement-score.js';

/**
 * Which last-level caches (groups) to fill, and how much from each, so that `count` CPUs cost
 * the least by the score's own terms (docs/placement.md): a node per NUMA node, an LLC per
 * LLC plus what sharing that LLC with other kernels costs (`extra`), the CPUs that reach the
 * memory on another node, and what putting the memory on a node costs (its remote devices).
 * Exact over the groups' capacities; pure arithmetic, the caller turns amounts into CPUs.
 */
export interface GroupCapacity {
  group: number;
  node: number;
  /** CPUs the request can still get from this group. */
  capacity: number;
  /** Score the request adds by using this group beyond the LLC itself (sharing it, by profile). Default 0. */
  extra?: number;
}

export interface GroupTake {
  group: number;
  amount: number;
}

/** Lower ranks are preferred among equally good choices (placement: nodes keeps the user's order). */
export type NodeRank = (node: number) => number;

export interface PackOptions {
  rank?: NodeRank;
  /** Amounts on the memory node are multiples of this (threads per core for whole cores). Default 1. */
  unit?: number;
  /** Score of taking the memory from this node (its remote devices), or null when it cannot be the memory node. Default 0. */
  memoryCost?: (node: number) => number | null;
  /** The lowest CPU the request would take from a group: it decides which node holds the memory. Default: the group's index. */
  firstCpu?: (group: number) => number;
}

const NODE_COST = SCORE_WEIGHTS.node;
const LLC_COST = SCORE_WEIGHTS.llc;
const REMOTE_CPU_COST = SCORE_WEIGHTS.remoteMemoryCpu;
/** Costs are kept as score x SCALE + CPUs of capacity chosen: equal scores prefer the tightest groups. */
const SCALE = 2 ** 22;

interface NodePlan {
  node: number;
  rank: number;
  firstCpu: number;
  groups: GroupCapacity[];
  /** table[j][t]: least cost of holding at least t CPUs with the first j groups. */
  table: Float64Array[];
  /** Least cost of holding at least t CPUs on this node (table[groups.length]). */
  best: Float64Array;
  /** (amount, cost): for each cost level, the most this node holds at that cost. */
  levels: { amount: number; cost: number }[];
}

/** Null when the groups together cannot hold `count`. */
export function packIntoGroups(candidates: readonly GroupCapacity[], count: number, options: PackOptions | NodeRank = {}): GroupTake[] | null {
  const opts: PackOptions = typeof options === 'function' ? { rank: options } : options;
  const rank = opts.rank ?? (() => 0);
  const unit = Math.max(1, opts.unit ?? 1);
  if (count <= 0) return [];
  const usable = candidates.filter((c) => c.capacity > 0);
  if (usable.reduce((sum, c) => sum + c.capacity, 0) < count) return null;

  const memoryCost = memoryCosts(usable, opts.memoryCost);
  const single = bestSingleGroup(usable, count, rank, memoryCost);
  if (single) return [{ group: single.group, amount: count }];

  const nodes = nodePlans(usable, count, rank, opts.firstCpu ?? ((group) => group));
  const chosen = bestChoice(nodes, count, unit, memoryCost, rank);
  return chosen ? materialize(chosen) : null;
}

/** Memory cost per node; when no node can hold the memory, every node costs 0 (the device selectors then report why). */
function memoryCosts(groups: readonly GroupCapacity[], cost: PackOptions['memoryCost']): Map<number, number> {
  const out = new Map<number, number>();
  const nodes = [...new Set(groups.map((g) => g.node))];
  for (const node of nodes) {
    const c = cost ? cost(node) : 0;
    if (c !== null) out.set(node, c);
  }
  if (out.size === 0) for (const node of nodes) out.set(node, 0);
  return out;
}

/**
 * The lower bound of every choice is one node, one LLC, no sharing, no remote CPU and the
 * cheapest memory node: a group that reaches it is the answer. The tightest such group, so
 * larger holes stay free for later kernels.
 */
function bestSingleGroup(groups: readonly GroupCapacity[], count: number, rank: NodeRank, memoryCost: ReadonlyMap<number, number>): GroupCapacity | null {
  const cheapest = Math.min(...memoryCost.values());
  let best: GroupCapacity | null = null;
  for (const g of groups) {
    if (g.capacity < count || (g.extra ?? 0) !== 0 || memoryCost.get(g.node) !== cheapest) continue;
    if (best === null || rank(g.node) - rank(best.node) < 0 || (rank(g.node) === rank(best.node) && (g.capacity < best.capacity || (g.capacity === best.capacity && g.group < best.group)))) best = g;
  }
  return best;
}

function nodePlans(groups: readonly GroupCapacity[], count: number, rank: NodeRank, firstCpuOf: (group: number) => number): NodePlan[] {
  const byNode = new Map<number, GroupCapacity[]>();
  for (const g of groups) {
    const list = byNode.get(g.node) ?? [];
    list.push(g);
    byNode.set(g.node, list);
  }
  const plans = [...byNode].map(([node, list]): NodePlan => {
    const sorted = [...list].sort((a, b) => b.capacity - a.capacity || a.group - b.group);
    const table = [new Float64Array(count + 1).fill(Infinity)];
    table[0]![0] = 0;
    for (const g of sorted) {
      const before = table[table.length - 1]!;
      const after = Float64Array.from(before);
      const cost = (LLC_COST + (g.extra ?? 0)) * SCALE + g.capacity;
      for (let t = 1; t <= count; t++) {
        const via = before[Math.max(0, t - g.capacity)]! + cost;
        if (via < after[t]!) after[t] = via;
      }
      table.push(after);
    }
    const best = table[table.length - 1]!;
    const levels: { amount: number; cost: number }[] = [];
    for (let t = 1; t <= count; t++) {
      if (!Number.isFinite(best[t]!)) break;
      if (t === count || best[t + 1]! > best[t]!) levels.push({ amount: t, cost: best[t]! });
    }
    const firstCpu = Math.min(...sorted.map((g) => firstCpuOf(g.group)));
    return { node, rank: rank(node), firstCpu, groups: sorted, table, best, levels };
  });
  // The node of the lowest CPU holds the memory: nodes in that order.
  return plans.sort((a, b) => a.firstCpu - b.firstCpu || a.node - b.node);
}

interface Choice {
  /** Node plan and the amount it gives; the memory node first. */
  parts: { plan: NodePlan; amount: number }[];
}

/**
 * For each node that could hold the memory (and each amount it holds), the cheapest way for the
 * nodes after it (higher first CPUs, so the memory stays put) to hold the rest: a suffix
 * programme over nodes where each node offers its cost levels.
 */
function bestChoice(nodes: readonly NodePlan[], count: number, unit: number, memoryCost: ReadonlyMap<number, number>, rank: NodeRank): Choice | null {
  const n = nodes.length;
  const suffix: Float64Array[] = new Array(n + 1);
  suffix[n] = new Float64Array(count + 1).fill(Infinity);
  suffix[n]![0] = 0;
  for (let p = n - 1; p >= 0; p--) {
    const after = suffix[p + 1]!;
    const here = Float64Array.from(after);
    for (const level of nodes[p]!.levels) {
      const add = NODE_COST * SCALE + level.cost;
      // On a tie, use this node rather than later ones: lower node numbers first.
      for (let t = 1; t <= count; t++) {
        const via = after[Math.max(0, t - level.amount)]! + add;
        if (via <= here[t]!) here[t] = via;
      }
    }
    suffix[p] = here;
  }

  let best: { p: number; amount: number; score: number; rank: number; tight: number } | null = null;
  for (let p = 0; p < n; p++) {
    const plan = nodes[p]!;
    const memory = memoryCost.get(plan.node);
    if (memory === undefined) continue;
    const most = Math.min(count, plan.levels.length ? plan.levels[plan.levels.length - 1]!.amount : 0);
    for (let amount = most; amount >= 1; amount--) {
      if (amount % unit !== 0 && amount !== count) continue;
      const rest = count - amount;
      const total = NODE_COST * SCALE + plan.best[amount]! + REMOTE_CPU_COST * rest * SCALE + suffix[p + 1]![rest]! + memory * SCALE;
      if (!Number.isFinite(total)) continue;
      const score = Math.floor(total / SCALE);
      const tight = total - score * SCALE;
      const r = rank(plan.node);
      if (best === null || score < best.score || (score === best.score && (r < best.rank || (r === best.rank && tight < best.tight)))) {
        best = { p, amount, score, rank: r, tight };
      }
    }
  }
  if (best === null) return null;

  const parts: Choice['parts'] = [{ plan: nodes[best.p]!, amount: best.amount }];
  let t = count - best.amount;
  for (let p = best.p + 1; p < n && t > 0; p++) {
    const here = suffix[p]![t]!;
    const level = nodes[p]!.levels.find((l) => suffix[p + 1]![Math.max(0, t - l.amount)]! + NODE_COST * SCALE + l.cost === here);
    if (level === undefined) continue;
    const amount = Math.min(t, level.amount);
    parts.push({ plan: nodes[p]!, amount });
    t -= amount;
  }
  return { parts };
}

/** The groups a node's programme chose for holding at least `amount`, filled largest first. */
function materialize(choice: Choice): GroupTake[] {
  const takes: GroupTake[] = [];
  for (const { plan, amount } of choice.parts) {
    const chosen: GroupCapacity[] = [];
    let t = amount;
    for (let j = plan.groups.length; j >= 1 && t > 0; j--) {
      if (plan.table[j]![t] === plan.table[j - 1]![t]) continue;
      const g = plan.groups[j - 1]!;
      chosen.push(g);
      t = Math.max(0, t - g.capacity);
    }
    chosen.sort((a, b) => b.capacity - a.capacity || a.group - b.group);
    let remaining = amount;
    for (const g of chosen) {
      if (remaining === 0) break;
      const take = Math.min(g.capacity, remaining);
      takes.push({ group: g.group, amount: take });
      remaining -= take;
    }
  }
  return takes.sort((a, b) => a.group - b.group);
}
