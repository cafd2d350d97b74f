import { parseError } from '../units/parker-error.js';
import { parseSize } from '../units/size.js';

/**
 * The boot kernel's `parker_cma=` (docs/parker-kernel-interface.md): one CMA pool `parker<nid>`
 * per NUMA node, `parker_cma=SIZE` split evenly over the nodes with memory or
 * `parker_cma=NID:SIZE[,NID:SIZE...]`; every pool rounded up to 1 GiB, at least 1 GiB.
 * Partitions take memory from these pools in 1 GiB units.
 */
export const CMA_UNIT = 2 ** 30;

/** Bytes rounded up to whole GiB, at least 1 GiB: what a pool holds, or what a partition takes. */
export function roundUpToGiB(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / CMA_UNIT)) * CMA_UNIT;
}

/** The value of the last `key=` in a command line (the one the kernel keeps), or null. Stops at "--". */
export function cmdlineValue(cmdline: string, key: string): string | null {
  let value: string | null = null;
  for (const word of cmdline.trim().split(/\s+/)) {
    if (word === '--') break;
    if (word.startsWith(`${key}=`)) value = word.slice(key.length + 1).replace(/^"(.*)"$/, '$1');
  }
  return value;
}

/** Pool size per node id. Throws a ParkerError quoting the value when it is not one of the two forms. */
export function parseParkerCma(value: string, nodesWithMemory: readonly number[]): Map<number, number> {
  const pools = new Map<number, number>();
  if (!value.includes(':')) {
    const nodes = nodesWithMemory.length > 0 ? nodesWithMemory : [0];
    const each = roundUpToGiB(Math.ceil(sizeOf(value) / nodes.length));
    for (const node of nodes) pools.set(node, each);
    return pools;
  }
  for (const entry of value.split(',')) {
    const m = /^(\d+):(.+)$/.exec(entry);
    if (!m) throw parseError('parker_cma value', value, 'expected SIZE or NID:SIZE[,NID:SIZE...], such as "0:16G,1:16G"');
    pools.set(Number(m[1]), roundUpToGiB(sizeOf(m[2]!, value)));
  }
  return pools;
}

function sizeOf(text: string, whole = text): number {
  try {
    return parseSize(text);
  } catch {
    throw parseError('parker_cma value', whole, 'expected SIZE or NID:SIZE[,NID:SIZE...], such as "0:16G,1:16G"');
  }
}

/** "0:16G,1:32G", nodes in order. */
export function formatParkerCma(pools: ReadonlyMap<number, number>): string {
  return [...pools]
    .sort(([a], [b]) => a - b)
    .map(([node, bytes]) => `${node}:${roundUpToGiB(bytes) / CMA_UNIT}G`)
    .join(',');
}
