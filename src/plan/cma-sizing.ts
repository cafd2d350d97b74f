import { GIB, roundUpToGiB } from '../units/parker-cma.js';
import type { Topology } from '../topology/model.js';
import type { Placement } from './resolved-layout.js';


/**
 * Memory each node's CMA pool (`parker<nid>`) must hold for this placement: every kernel's
 * memory, rounded up to whole GiB, added to the node of its first CPU. Nodes that give no
 * memory are absent. The topology is accepted for symmetry with the other placement helpers;
 * the sizes depend on the placement alone.
 */
export function cmaNeeds(placement: Placement, _topology?: Topology): Map<number, number> {
  const needs = new Map<number, number>();
  for (const kernel of placement.kernels) {
    if (kernel.memoryNode === null || kernel.memoryBytes <= 0) continue;
    needs.set(kernel.memoryNode, (needs.get(kernel.memoryNode) ?? 0) + roundUpToGiB(kernel.memoryBytes));
  }
  return new Map([...needs].sort(([a], [b]) => a - b));
}

/** The value of the boot kernel's `parker_cma=` for these needs: "0:48G,1:16G" (nodes ascending, whole GiB). */
export function formatParkerCma(needs: ReadonlyMap<number, number>): string {
  return [...needs]
    .sort(([a], [b]) => a - b)
    .map(([node, bytes]) => `${node}:${roundUpToGiB(bytes) / GIB}G`)
    .join(',');
}

