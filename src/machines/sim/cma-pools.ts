import { formatSize } from '../../units/size.js';
import { parkerCmaParameter, parseParkerCma } from '../../units/parker-cma.js';
import type { PhysRange } from '../../units/phys-range.js';
import type { Topology } from '../../topology/model.js';
import type { CmaPool, SimKernel } from './sim-kernel.js';

const GiB = 2 ** 30;
const PAGE = 4096;

/** Each node's RAM as contiguous ranges, from its memory blocks. */
function nodeRanges(hardware: Topology): Map<number, PhysRange[]> {
  const out = new Map<number, PhysRange[]>();
  for (const block of [...hardware.memory.blocks].sort((a, b) => a.range.start - b.range.start)) {
    if (block.node === null) continue;
    const ranges = out.get(block.node) ?? [];
    const last = ranges.at(-1);
    if (last && last.end + 1 === block.range.start) last.end = block.range.end;
    else ranges.push({ ...block.range });
    out.set(block.node, ranges);
  }
  return out;
}

/**
 * The boot kernel's `parker_cma=SIZE` or `parker_cma=NID:SIZE,...`: one pool per node named
 * parker<nid>, rounded up to 1 GiB and 1 GiB aligned, at the top of the node's memory. A bare
 * size is split evenly over the nodes with memory. Without the parameter there are no pools
 * and Parker is disabled.
 */
export function cmaPoolsFor(cmdline: string, hardware: Topology): CmaPool[] {
  const value = parkerCmaParameter(cmdline);
  if (!value) return [];
  const ranges = nodeRanges(hardware);
  let sizes: Map<number, number>;
  try {
    sizes = parseParkerCma(value, [...ranges.keys()]);
  } catch {
    // A malformed value reserves nothing, as in the kernel: Parker stays disabled.
    return [];
  }
  const pools: CmaPool[] = [];
  for (const [node, requested] of [...sizes].sort(([a], [b]) => a - b)) {
    const last = ranges.get(node)?.at(-1);
    const size = Math.ceil(requested / GiB) * GiB;
    if (!last || size === 0) continue;
    const start = Math.floor((last.end + 1 - size) / GiB) * GiB;
    if (start < last.start) continue;
    pools.push({ node, name: `parker${node}`, range: { start, end: start + size - 1 }, used: [] });
  }
  return pools;
}

/** First fit, 1 GiB aligned: a pool fragments as partitions come and go, as real CMA does. */
export function allocate(pool: CmaPool, bytes: number): PhysRange | null {
  let cursor = pool.range.start;
  for (const used of pool.used) {
    if (used.start - cursor >= bytes) break;
    cursor = Math.max(cursor, used.end + 1);
  }
  if (pool.range.end + 1 - cursor < bytes) return null;
  const range = { start: cursor, end: cursor + bytes - 1 };
  pool.used.push(range);
  pool.used.sort((a, b) => a.start - b.start);
  return range;
}

export function release(pool: CmaPool, range: PhysRange): void {
  pool.used = pool.used.filter((r) => r.start !== range.start);
}

export function poolOf(k: SimKernel, range: PhysRange): CmaPool | undefined {
  return [...k.pools.values()].find((p) => p.range.start <= range.start && range.end <= p.range.end);
}

/** kernel/mm/cma/<name>/ counters, in pages. */
export function syncCmaFiles(k: SimKernel, pool: CmaPool, allocatedPages: number, releasedPages: number): void {
  const dir = `sys/kernel/mm/cma/${pool.name}`;
  const total = (pool.range.end - pool.range.start + 1) / PAGE;
  const used = pool.used.reduce((n, r) => n + (r.end - r.start + 1) / PAGE, 0);
  const count = (file: string, add: number) => k.put(`${dir}/${file}`, Number(k.text(`${dir}/${file}`) ?? 0) + add);
  count('alloc_pages_success', allocatedPages);
  count('release_pages_success', releasedPages);
  if (k.text(`${dir}/alloc_pages_fail`) === null) k.put(`${dir}/alloc_pages_fail`, 0);
  k.put(`${dir}/total_pages`, total);
  k.put(`${dir}/available_pages`, total - used);
}

export function describePool(pool: CmaPool): string {
  const size = pool.range.end - pool.range.start + 1;
  const used = pool.used.reduce((n, r) => n + (r.end - r.start + 1), 0);
  return `${pool.name}: ${formatSize(used)} of ${formatSize(size)} used in ${pool.used.length} ranges`;
}
