import { ParkerError } from './parker-error.js';
import { parseSize } from './size.js';

/** Parker sizes its CMA pools, and partition memory, in whole GiB. */
export const GIB = 2 ** 30;

export function roundUpToGiB(bytes: number): number {
  return Math.ceil(bytes / GIB) * GIB;
}

/**
 * The pools a `parker_cma=` value asks for, as the kernel reads it: "NID:SIZE,..." or a bare
 * SIZE split evenly over `nodes`; every size rounded up to 1 GiB. Throws ParkerError quoting
 * the value when it is malformed.
 */
export function parseParkerCma(value: string, nodes: readonly number[]): Map<number, number> {
  const bad = (why: string) =>
    new ParkerError('E_PARSE', `invalid parker_cma value ${JSON.stringify(value)}: ${why}`, 'write parker_cma=NID:SIZE[,NID:SIZE...] such as parker_cma=0:16G,1:16G, or one SIZE split over all nodes');
  const pools = new Map<number, number>();
  const text = value.trim();
  if (text === '') throw bad('it is empty');
  if (!text.includes(':')) {
    if (nodes.length === 0) throw bad('a bare size needs at least one NUMA node to split over');
    const each = roundUpToGiB(Math.ceil(sizeOf(text, bad) / nodes.length));
    for (const node of [...nodes].sort((a, b) => a - b)) pools.set(node, Math.max(each, GIB));
    return pools;
  }
  for (const part of text.split(',')) {
    const m = /^\s*(\d+):(.+)$/.exec(part);
    if (!m) throw bad(`"${part}" is not NID:SIZE`);
    const node = Number(m[1]);
    if (pools.has(node)) throw bad(`node ${node} is named twice`);
    pools.set(node, Math.max(roundUpToGiB(sizeOf(m[2]!, bad)), GIB));
  }
  return new Map([...pools].sort(([a], [b]) => a - b));
}

function sizeOf(text: string, bad: (why: string) => ParkerError): number {
  try {
    return parseSize(text);
  } catch {
    throw bad(`"${text}" is not a size such as 16G`);
  }
}

/** The last `parker_cma=` of a command line (the one the kernel acts on), or null when absent. */
export function parkerCmaParameter(cmdline: string | null): string | null {
  if (cmdline === null) return null;
  let found: string | null = null;
  for (const word of cmdline.split(/\s+/)) if (word.startsWith('parker_cma=')) found = word.slice('parker_cma='.length);
  return found;
}
