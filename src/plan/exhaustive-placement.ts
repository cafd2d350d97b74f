import type { Topology } from '../topology/model.js';
import { PlacementScorer } from './placement-score.js';

/**
 * The best score any choice of whole free cores holding exactly `count` CPUs can reach, by
 * trying every subset of the free cores. Exponential: for checking placement on machines of a
 * few dozen cores at most (the property test uses up to 16). Null when no choice holds `count`.
 */
export function exhaustiveBestScore(topology: Topology, available: ReadonlySet<number>, count: number): { score: number; cpus: number[] } | null {
  const scorer = new PlacementScorer(topology);
  const cores = topology.cores.map((c) => c.cpus).filter((cpus) => cpus.length > 0 && cpus.every((cpu) => available.has(cpu)));
  let best: { score: number; cpus: number[] } | null = null;
  const chosen: number[] = [];

  const visit = (from: number, held: number) => {
    if (held === count) {
      const cpus = [...chosen].sort((a, b) => a - b);
      const memoryNode = scorer.nodeOf(cpus[0]!);
      const score = scorer.kernelScore({ cpus, quality: scorer.quality(cpus, [], memoryNode) });
      if (best === null || score < best.score) best = { score, cpus };
      return;
    }
    for (let i = from; i < cores.length; i++) {
      const core = cores[i]!;
      if (held + core.length > count) continue;
      chosen.push(...core);
      visit(i + 1, held + core.length);
      chosen.length -= core.length;
    }
  };
  if (count > 0) visit(0, 0);
  return best;
}
