import { SCORE_WEIGHTS } from './placement-score.js';

/**
 * Which last-level caches (groups) to fill, and how much from each, so that `count` CPUs
 * span the fewest NUMA nodes and LLCs by the score's own weights: the chosen groups minimize
 * node cost x nodes + LLC cost x LLCs exactly (docs/placement.md). Pure arithmetic on
 * capacities; the caller turns amounts into CPUs.
 */
export interface GroupCapacity {
  group: number;
  node: number;
  /** CPUs the request can still get from this group. */
  capacity: number;
}

export interface GroupTake {
  group: number;
  amount: number;
}

/** Lower ranks are preferred among equally good choices (placement: nodes keeps the user's order). */
export type NodeRank = (node: number) => number;

const NODE_COST = SCORE_WEIGHTS.node;
const LLC_COST = SCORE_WEIGHTS.llc;

interface NodeGroups {
  node: number;
  rank: number;
  /** Groups by capacity, largest first (then lowest index). */
  groups: GroupCapacity[];
  /** prefix[c] = capacity of the c largest groups. */
  prefix: number[];
  total: number;
}

/** Null when the groups together cannot hold `count`. */
export function packIntoGroups(candidates: readonly GroupCapacity[], count: number, rank: NodeRank = () => 0): GroupTake[] | null {
  if (count <= 0) return [];
  const usable = candidates.filter((c) => c.capacity > 0);
  if (usable.reduce((sum, c) => sum + c.capacity, 0) < count) return null;

  // One LLC holds it all: the tightest fit, so larger holes stay free for later kernels.
  const single = bestFit(usable, count, rank);
  if (single) return [{ group: single.group, amount: count }];

  const nodes = groupByNode(usable, rank);
  const oneNode = bestSingleNode(nodes, count);
  const bound = oneNode ? NODE_COST + LLC_COST * oneNode.llcs : greedyCost(usable, count);
  const multi = bestMultiNode(nodes, count, bound);
  const useMulti = multi !== null && (oneNode === null || multi.cost < NODE_COST + LLC_COST * oneNode.llcs);
  const chosen = useMulti ? multi.choice : new Map([[oneNode!.node.node, oneNode!.llcs]]);
  return materialize(nodes, chosen, count, rank);
}

function bestFit(groups: readonly GroupCapacity[], amount: number, rank: NodeRank): GroupCapacity | null {
  let best: GroupCapacity | null = null;
  for (const g of groups) if (g.capacity >= amount && (best === null || compareFit(g, best, rank) < 0)) best = g;
  return best;
}

function compareFit(a: GroupCapacity, b: GroupCapacity, rank: NodeRank): number {
  return rank(a.node) - rank(b.node) || a.capacity - b.capacity || a.group - b.group;
}

function groupByNode(groups: readonly GroupCapacity[], rank: NodeRank): NodeGroups[] {
  const byNode = new Map<number, GroupCapacity[]>();
  for (const g of groups) {
    const list = byNode.get(g.node) ?? [];
    list.push(g);
    byNode.set(g.node, list);
  }
  return [...byNode]
    .map(([node, list]): NodeGroups => {
      const sorted = [...list].sort((a, b) => b.capacity - a.capacity || a.group - b.group);
      const prefix = [0];
      for (const g of sorted) prefix.push(prefix[prefix.length - 1]! + g.capacity);
      return { node, rank: rank(node), groups: sorted, prefix, total: prefix[prefix.length - 1]! };
    })
    .sort((a, b) => a.rank - b.rank || a.node - b.node);
}

/** Fewest LLCs within one node; ties: preferred rank, then the most used node (fragmented first), then lowest id. */
function bestSingleNode(nodes: readonly NodeGroups[], count: number): { node: NodeGroups; llcs: number } | null {
  let best: { node: NodeGroups; llcs: number } | null = null;
  for (const node of nodes) {
    if (node.total < count) continue;
    const llcs = node.prefix.findIndex((held) => held >= count);
    if (best === null || llcs < best.llcs || (llcs === best.llcs && (node.rank < best.node.rank || (node.rank === best.node.rank && node.total < best.node.total)))) {
      best = { node, llcs };
    }
  }
  return best;
}

/** Cost of taking the largest groups anywhere until the count is held: an upper bound. */
function greedyCost(groups: readonly GroupCapacity[], count: number): number {
  const sorted = [...groups].sort((a, b) => b.capacity - a.capacity || a.group - b.group);
  const nodes = new Set<number>();
  let held = 0;
  let llcs = 0;
  for (const g of sorted) {
    if (held >= count) break;
    held += g.capacity;
    llcs++;
    nodes.add(g.node);
  }
  return NODE_COST * nodes.size + LLC_COST * llcs;
}

/**
 * Exact best over two or more nodes, by dynamic programming over nodes: best[j][m] is the most
 * capacity j nodes can give with m LLCs (each node giving its largest LLCs). Only states that
 * could cost no more than `bound` are explored, which keeps it small.
 */
function bestMultiNode(nodes: readonly NodeGroups[], count: number, bound: number): { cost: number; choice: Map<number, number> } | null {
  const maxNodes = Math.min(nodes.length, Math.floor(bound / (NODE_COST + LLC_COST)));
  const maxLlcs = Math.min(
    nodes.reduce((sum, n) => sum + n.groups.length, 0),
    Math.floor((bound - 2 * NODE_COST) / LLC_COST),
  );
  if (maxNodes < 2 || maxLlcs < 2) return null;
  const width = maxLlcs + 1;
  const at = (j: number, m: number) => j * width + m;
  const tables: Float64Array[] = [new Float64Array((maxNodes + 1) * width).fill(-1)];
  tables[0]![at(0, 0)] = 0;
  for (const node of nodes) {
    const before = tables[tables.length - 1]!;
    const after = Float64Array.from(before);
    for (let j = 0; j < maxNodes; j++) {
      for (let m = 0; m < maxLlcs; m++) {
        const held = before[at(j, m)]!;
        if (held < 0) continue;
        for (let c = 1; c <= node.groups.length && m + c <= maxLlcs; c++) {
          const value = held + node.prefix[c]!;
          if (value > after[at(j + 1, m + c)]!) after[at(j + 1, m + c)] = value;
        }
      }
    }
    tables.push(after);
  }

  const last = tables[tables.length - 1]!;
  let best: { j: number; m: number; cost: number } | null = null;
  for (let j = 2; j <= maxNodes; j++) {
    for (let m = j; m <= maxLlcs; m++) {
      if (last[at(j, m)]! < count) continue;
      const cost = NODE_COST * j + LLC_COST * m;
      if (cost <= bound && (best === null || cost < best.cost)) best = { j, m, cost };
    }
  }
  if (best === null) return null;

  // Walk back through the tables to see which nodes gave how many LLCs.
  const choice = new Map<number, number>();
  let { j, m } = best;
  for (let i = nodes.length; i >= 1; i--) {
    const node = nodes[i - 1]!;
    const now = tables[i]![at(j, m)]!;
    const before = tables[i - 1]!;
    if (before[at(j, m)] === now) continue;
    for (let c = 1; c <= node.groups.length && c <= m; c++) {
      const prev = before[at(j - 1, m - c)]!;
      if (prev >= 0 && prev + node.prefix[c]! === now) {
        choice.set(node.node, c);
        j -= 1;
        m -= c;
        break;
      }
    }
  }
  return { cost: best.cost, choice };
}

/**
 * Amounts per group for the chosen nodes and LLC counts: the largest chosen groups are taken
 * whole, and what is left goes to the tightest-fitting group of the chosen nodes.
 */
function materialize(nodes: readonly NodeGroups[], chosen: ReadonlyMap<number, number>, count: number, rank: NodeRank): GroupTake[] {
  const chosenNodes = nodes.filter((n) => chosen.has(n.node));
  const largest = chosenNodes.flatMap((n) => n.groups.slice(0, chosen.get(n.node)!)).sort((a, b) => b.capacity - a.capacity || a.group - b.group);
  const takes: GroupTake[] = [];
  let remaining = count;
  const used = new Set<number>();
  for (const g of largest.slice(0, largest.length - 1)) {
    if (remaining < g.capacity) break;
    takes.push({ group: g.group, amount: g.capacity });
    used.add(g.group);
    remaining -= g.capacity;
  }
  if (remaining > 0) {
    const rest = chosenNodes.flatMap((n) => n.groups).filter((g) => !used.has(g.group));
    const fit = bestFit(rest, remaining, rank);
    if (fit) takes.push({ group: fit.group, amount: remaining });
    else {
      // Only reachable when capacities are not whole multiples of the request's unit: spread what is left.
      for (const g of rest) {
        if (remaining === 0) break;
        const amount = Math.min(g.capacity, remaining);
        takes.push({ group: g.group, amount });
        remaining -= amount;
      }
    }
  }
  return takes.sort((a, b) => a.group - b.group);
}
