import type { KernelFiles } from './kernel-files.js';
import type { CmaArea } from './model.js';

export const CMA_DIR = 'sys/kernel/mm/cma';
export const ZONEINFO = 'proc/zoneinfo';

const PAGES_PER_GIB = 2 ** 30 / 4096;

/**
 * CMA areas from sys/kernel/mm/NAME (kernels with CONFIG_CMA_SYSFS); each value optional.
 *
 * Sizes: later kernels show `total_pages` and `available_pages` there. Linux 6.12, the kernel
 * the Parker RFC applies to, shows only the counters (`alloc_pages_success`,
 * `alloc_pages_fail`, `release_pages_success`; measured on the real kernel), so a Parker pool's
 * size is read where 6.12 shows it: /proc/zoneinfo counts each zone's CMA pages (`cma`), and
 * `parker<N>` is node N's pool. A Parker pool is whole GiB, so the node's count is rounded down
 * to whole GiB: another small CMA area on the node (a `cma=` default area) does not count. Its
 * free pages are its size less what the counters say is allocated and not yet released (the
 * zone's `nr_free_cma` is no help: page-cache pages borrow free CMA memory). A pool whose
 * reservation failed at boot has no directory at all.
 */
export function discoverCma(files: KernelFiles): CmaArea[] {
  if (!files.fs.exists(CMA_DIR)) return [];
  let zones: Map<number, number> | undefined;
  return files.list(CMA_DIR).map((name): CmaArea => {
    const dir = `${CMA_DIR}/${name}`;
    const area: CmaArea = {
      name,
      totalPages: files.int(`${dir}/total_pages`),
      availablePages: files.int(`${dir}/available_pages`),
      allocPagesSuccess: files.int(`${dir}/alloc_pages_success`),
      allocPagesFail: files.int(`${dir}/alloc_pages_fail`),
      releasePagesSuccess: files.int(`${dir}/release_pages_success`),
    };
    const node = /^parker(\d+)$/.exec(name);
    if (area.totalPages === null && node) {
      zones ??= zoneCmaPages(files.text(ZONEINFO));
      const pages = zones.get(Number(node[1]));
      if (pages !== undefined && pages >= PAGES_PER_GIB) {
        area.totalPages = Math.floor(pages / PAGES_PER_GIB) * PAGES_PER_GIB;
        if (area.availablePages === null && area.allocPagesSuccess !== null && area.releasePagesSuccess !== null) {
          area.availablePages = Math.max(0, area.totalPages - (area.allocPagesSuccess - area.releasePagesSuccess));
        }
      }
    }
    return area;
  });
}

/** Each node's CMA pages from /proc/zoneinfo: the `cma` line of each "Node N, zone Z" section, summed. */
export function zoneCmaPages(text: string | null): Map<number, number> {
  const out = new Map<number, number>();
  let node: number | null = null;
  for (const line of (text ?? '').split('\n')) {
    const header = /^Node (\d+), zone\s+\S+/.exec(line);
    if (header) {
      node = Number(header[1]);
      continue;
    }
    const cma = /^\s+cma\s+(\d+)\s*$/.exec(line);
    if (cma && node !== null) out.set(node, (out.get(node) ?? 0) + Number(cma[1]));
  }
  return out;
}
