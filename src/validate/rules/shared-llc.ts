import { listWords, quoted } from '../layout-lookup.js';
import type { Finding, Rule } from '../rule.js';
import { ownerLabel } from '../kernel-lines.js';
import { llcAlignedFix, llcNeighbours, llcSize } from '../ownership.js';

/**
 * H23: kernels on one L3 compete for its capacity and for memory bandwidth, and WBINVD from
 * any of them (H03) empties it. Only a performance matter, so a warning, and only for kernels
 * that asked for low latency (`profile: latency`); H03 tells the others.
 */
export const sharedLlcRule: Rule = {
  id: 'shared-llc',
  hazard: 'H23',
  description: 'latency-sensitive kernels have their last-level caches to themselves',
  check(ctx) {
    const out: Finding[] = [];
    for (const kernel of ctx.placement.kernels) {
      if (ctx.spec.kernels[kernel.index]?.profile !== 'latency') continue;
      const neighbours = llcNeighbours(ctx, kernel);
      if (neighbours.length === 0) continue;
      out.push({
        severity: 'warning',
        message: `latency-sensitive kernel ${quoted(kernel.name)} shares a last-level cache with ${listWords(neighbours.map(ownerLabel))}: they evict its data, compete for memory bandwidth, and their WBINVDs empty its cache`,
        fix: llcAlignedFix(ctx, llcSize(ctx, kernel)),
        path: ['kernels', kernel.index, 'cpus'],
        kernels: [kernel.name, ...neighbours],
      });
    }
    return out;
  },
};
