import { formatSize, parseSize } from '../../units/size.js';
import { parkerCmaParameter, parseParkerCma } from '../../units/parker-cma.js';
import type { PhysRange } from '../../units/phys-range.js';
import type { Topology } from '../../topology/model.js';
import type { CmaPool, SimKernel } from './sim-kernel.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;
const FOUR_GIB = 4 * GiB;
const PAGE = 4096;

/** Each node's RAM as contiguous ranges, from its memory blocks. */
function nodeRanges(hardware: Topology): Map<number, PhysRange[]> {
  if (hardware.memory.blocks.length === 0) return nodeRangesFromRam(hardware);
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
 * A kernel without memory hotplug shows no memory blocks, so no node's physical ranges. Firmware
 * (an SRAT, QEMU's -numa) gives nodes their memory in node order, so the RAM that /proc/iomem
 * lists is dealt out in address order: each node takes as much as its meminfo holds, rounded
 * up to whole 128 MiB sections (a node's MemTotal leaves out what its kernel reserved).
 */
function nodeRangesFromRam(hardware: Topology): Map<number, PhysRange[]> {
  const out = new Map<number, PhysRange[]>();
  const section = 128 * 2 ** 20;
  const ram = [...hardware.memory.systemRam].sort((a, b) => a.start - b.start).map((r) => ({ ...r }));
  for (const node of [...hardware.nodes].sort((a, b) => a.id - b.id)) {
    let want = Math.ceil((node.memoryBytes ?? 0) / section) * section;
    const mine: PhysRange[] = [];
    while (want > 0 && ram.length > 0) {
      const r = ram[0]!;
      const take = Math.min(want, r.end - r.start + 1);
      mine.push({ start: r.start, end: r.start + take - 1 });
      want -= take;
      if (r.start + take > r.end) ram.shift();
      else r.start += take;
    }
    if (mine.length) out.set(node.id, mine);
  }
  // The last node takes what is left: its own reserved pages are RAM too.
  const last = [...out.keys()].sort((a, b) => a - b).at(-1);
  if (last !== undefined) out.get(last)!.push(...ram);
  return out;
}

/** `ranges` with every range of `holes` cut out. */
function subtract(ranges: readonly PhysRange[], holes: readonly PhysRange[]): PhysRange[] {
  let out = ranges.map((r) => ({ ...r }));
  for (const hole of holes) {
    const next: PhysRange[] = [];
    for (const r of out) {
      if (hole.end < r.start || hole.start > r.end) {
        next.push(r);
        continue;
      }
      if (r.start < hole.start) next.push({ start: r.start, end: hole.start - 1 });
      if (hole.end < r.end) next.push({ start: hole.end + 1, end: r.end });
    }
    out = next;
  }
  return out;
}

/** `ranges` cut to the parts that lie inside `within`. */
function intersect(ranges: readonly PhysRange[], within: readonly PhysRange[]): PhysRange[] {
  const out: PhysRange[] = [];
  for (const r of ranges) {
    for (const w of within) {
      const start = Math.max(r.start, w.start);
      const end = Math.min(r.end, w.end);
      if (start <= end) out.push({ start, end });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/** The boot kernel's own image ("Kernel code", "Kernel data", ... in /proc/iomem): memblock keeps it. */
export function kernelImageRanges(iomem: string | null): PhysRange[] {
  const out: PhysRange[] = [];
  for (const line of (iomem ?? '').split('\n')) {
    const m = /^\s+([0-9a-fA-F]+)-([0-9a-fA-F]+) : Kernel (?:code|rodata|data|bss)\s*$/.exec(line);
    if (m) out.push({ start: parseInt(m[1]!, 16), end: parseInt(m[2]!, 16) });
  }
  return out;
}

export interface CmaReservation {
  pools: CmaPool[];
  /** The boot log lines of the reservations, as a 6.12 kernel prints them. */
  log: string[];
}

const pa = (n: number) => `0x${n.toString(16).padStart(16, '0')}`;

/**
 * The boot kernel's `parker_cma=SIZE` or `parker_cma=NID:SIZE,...`, reserved as Linux 6.12's
 * cma_declare_contiguous_nid() does for each node in turn: the size rounded up to 1 GiB,
 * 1 GiB aligned, first bottom-up from 4 GiB (the lowest free aligned range of the node above
 * 4 GiB), else top-down anywhere in the node. Free means inside the node's RAM as
 * /proc/iomem shows it (firmware tables at the top of low RAM are not RAM) and not the boot
 * kernel's own image. A node without such a range gets no pool: boot goes on, the log says
 * "reservation failed - err -12, node N" (measured on the real kernel: node 0 of the lab VM,
 * whose RAM below 2 GiB ends under ACPI tables). A malformed value reserves nothing.
 */
export function reserveCmaPools(cmdline: string, hardware: Topology, kernelImage: readonly PhysRange[]): CmaReservation {
  const value = parkerCmaParameter(cmdline);
  if (!value) return { pools: [], log: [] };
  const ranges = nodeRanges(hardware);
  const online = hardware.nodes.map((n) => n.id).sort((a, b) => a - b);
  let requested: Map<number, number>;
  const bare = !value.includes(':');
  try {
    // Validates the syntax; the sizes themselves are taken as the RFC's parker_cma_reserve() does.
    parseParkerCma(value, online.length ? online : [...ranges.keys()]);
    requested = bare ? new Map([[-1, parseSize(value)]]) : new Map(value.split(',').map((part) => [Number(part.split(':')[0]), parseSize(part.split(':')[1]!)] as [number, number]));
  } catch {
    return { pools: [], log: [] };
  }
  const log: string[] = [];
  const plan: [number, number][] = [];
  let total: number;
  if (bare) {
    total = requested.get(-1)!;
    if (total < GiB) return { pools: [], log: ['parker: cma area should be at least 1 GiB'] };
    const perNode = Math.ceil(total / Math.max(1, online.length));
    log.push(`parker: reserve CMA ${Math.floor(total / MiB)} MiB, up to ${Math.floor(perNode / MiB)} MiB per node`);
    for (const node of online) plan.push([node, perNode]);
  } else {
    total = 0;
    for (const [node, size] of [...requested].sort(([a], [b]) => a - b)) {
      if (!online.includes(node)) log.push(`parker: invalid node ${node} specified for CMA allocation`);
      else if (size < GiB) log.push(`parker: cma area of node ${node} should be at least 1GiB`);
      else {
        plan.push([node, size]);
        total += size;
      }
    }
  }
  const ram = hardware.memory.systemRam;
  const pools: CmaPool[] = [];
  let reserved = 0;
  for (const [node, want] of plan) {
    const size = Math.ceil((bare ? Math.min(want, total - reserved) : want) / GiB) * GiB;
    const mine = ranges.get(node) ?? [];
    const free = subtract(ram.length > 0 ? intersect(mine, ram) : mine, [...kernelImage, ...pools.map((p) => p.range)]);
    const start = bottomUpFrom(free, size, FOUR_GIB) ?? topDown(free, size);
    if (start === null) {
      log.push(`parker: reservation failed - err -12, node ${node}`);
      continue;
    }
    pools.push({ node, name: `parker${node}`, range: { start, end: start + size - 1 }, used: [] });
    reserved += size;
    log.push(`cma: Reserved ${size / MiB} MiB at ${pa(start)} on node ${node}`, `parker: reserved ${size / MiB} MiB on node ${node}`);
    if (reserved >= total) break;
  }
  if (pools.length === 0) log.push('parker: No parker CMA regions allocated, disabling parker.');
  return { pools, log };
}

function bottomUpFrom(free: readonly PhysRange[], size: number, from: number): number | null {
  for (const r of free) {
    const start = Math.ceil(Math.max(r.start, from) / GiB) * GiB;
    if (start + size - 1 <= r.end) return start;
  }
  return null;
}

function topDown(free: readonly PhysRange[], size: number): number | null {
  for (const r of [...free].reverse()) {
    const start = Math.floor((r.end + 1 - size) / GiB) * GiB;
    if (start >= r.start && start + size - 1 <= r.end) return start;
  }
  return null;
}

/** The pools only (tests and tools that need no log). */
export function cmaPoolsFor(cmdline: string, hardware: Topology, kernelImage: readonly PhysRange[] = []): CmaPool[] {
  return reserveCmaPools(cmdline, hardware, kernelImage).pools;
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

const poolPages = (pool: CmaPool) => (pool.range.end - pool.range.start + 1) / PAGE;
const usedPages = (pool: CmaPool) => pool.used.reduce((n, r) => n + (r.end - r.start + 1) / PAGE, 0);

/**
 * kernel/mm/cma/<name>/ as Linux 6.12 has it (CONFIG_CMA_SYSFS): three counters in pages and
 * no sizes (measured on the real kernel); then the places a 6.12 kernel shows the pools'
 * sizes: /proc/zoneinfo and /proc/meminfo.
 */
export function syncCmaFiles(k: SimKernel, pool: CmaPool, allocatedPages: number, releasedPages: number): void {
  const dir = `sys/kernel/mm/cma/${pool.name}`;
  const count = (file: string, add: number) => k.put(`${dir}/${file}`, Number(k.text(`${dir}/${file}`) ?? 0) + add);
  count('alloc_pages_success', allocatedPages);
  count('release_pages_success', releasedPages);
  if (k.text(`${dir}/alloc_pages_fail`) === null) k.put(`${dir}/alloc_pages_fail`, 0);
  syncPoolSizes(k);
}

/** A failed allocation: alloc_pages_fail counts the pages asked for. */
export function countFailedAllocation(k: SimKernel, pool: CmaPool, pages: number): void {
  const dir = `sys/kernel/mm/cma/${pool.name}`;
  k.put(`${dir}/alloc_pages_fail`, Number(k.text(`${dir}/alloc_pages_fail`) ?? 0) + pages);
}

/** /proc/meminfo's CmaTotal and CmaFree, and /proc/zoneinfo, from the pools as they are now. */
export function syncPoolSizes(k: SimKernel): void {
  const pools = [...k.pools.values()];
  const meminfo = k.tree.get('proc/meminfo');
  if (meminfo?.type === 'file') {
    const totalKb = pools.reduce((n, p) => n + poolPages(p) * 4, 0);
    const freeKb = pools.reduce((n, p) => n + (poolPages(p) - usedPages(p)) * 4, 0);
    const text = typeof meminfo.data === 'string' ? meminfo.data : new TextDecoder().decode(meminfo.data);
    const set = (t: string, name: string, kb: number) => {
      const line = `${`${name}:`.padEnd(16)}${String(kb).padStart(8)} kB`;
      return new RegExp(`^${name}:.*$`, 'm').test(t) ? t.replace(new RegExp(`^${name}:.*$`, 'm'), line) : t;
    };
    k.tree.file('proc/meminfo', set(set(text, 'CmaTotal', totalKb), 'CmaFree', freeKb));
  }
  // Made when read, from the pools as they are then: every change of them comes through here.
  k.tree.lazyFile('proc/zoneinfo', () => zoneinfo(k));
}

/**
 * /proc/zoneinfo as mm/vmstat.c prints it, reduced to what the simulator knows: one section
 * per node and zone of the memory blocks, with `cma` (the CMA pages of the zone: the pool's
 * size) and `nr_free_cma` (its pages not handed to a partition).
 */
/**
 * The machine's memory as blocks with a node and a zone: its memory blocks, or, on a kernel
 * without memory hotplug, each node's RAM cut at the zone limits (16 MiB DMA, 4 GiB DMA32).
 */
function memoryByZone(hardware: Topology): { node: number | null; zones: string[]; range: PhysRange }[] {
  if (hardware.memory.blocks.length > 0) return hardware.memory.blocks;
  const limits: [string, number][] = [['DMA', 16 * 2 ** 20], ['DMA32', FOUR_GIB], ['Normal', Number.MAX_SAFE_INTEGER]];
  const out: { node: number; zones: string[]; range: PhysRange }[] = [];
  for (const [node, ranges] of nodeRanges(hardware)) {
    for (const r of ranges) {
      let start = r.start;
      for (const [zone, limit] of limits) {
        if (start > r.end || start >= limit) continue;
        const end = Math.min(r.end, limit - 1);
        out.push({ node, zones: [zone], range: { start, end } });
        start = end + 1;
      }
    }
  }
  return out;
}

function zoneinfo(k: SimKernel): string {
  const zones = new Map<string, { node: number; zone: string; startPfn: number; pages: number; cma: number; freeCma: number }>();
  const order = ['DMA', 'DMA32', 'Normal', 'Movable'];
  const blocks = memoryByZone(k.hardware);
  for (const block of blocks) {
    if (block.node === null) continue;
    const zone = block.zones[0] ?? 'Normal';
    const key = `${block.node}/${zone}`;
    const entry = zones.get(key) ?? { node: block.node, zone, startPfn: block.range.start / PAGE, pages: 0, cma: 0, freeCma: 0 };
    entry.pages += (block.range.end - block.range.start + 1) / PAGE;
    entry.startPfn = Math.min(entry.startPfn, block.range.start / PAGE);
    zones.set(key, entry);
  }
  for (const pool of k.pools.values()) {
    const block = blocks.find((b) => b.range.start <= pool.range.start && pool.range.start <= b.range.end);
    const entry = block ? zones.get(`${block.node}/${block.zones[0] ?? 'Normal'}`) : undefined;
    if (!entry) continue;
    entry.cma += poolPages(pool);
    entry.freeCma += poolPages(pool) - usedPages(pool);
  }
  const sorted = [...zones.values()].sort((a, b) => a.node - b.node || order.indexOf(a.zone) - order.indexOf(b.zone));
  const out: string[] = [];
  for (const z of sorted) {
    const free = z.pages - (z.cma - z.freeCma);
    out.push(
      `Node ${z.node}, zone ${z.zone.padStart(8)}`,
      `  pages free     ${free}`,
      `        spanned  ${z.pages}`,
      `        present  ${z.pages}`,
      `        managed  ${z.pages}`,
      `        cma      ${z.cma}`,
      `      nr_free_pages ${free}`,
      `      nr_free_cma  ${z.freeCma}`,
      `  start_pfn:           ${z.startPfn}`,
    );
  }
  return out.join('\n') + '\n';
}

export function describePool(pool: CmaPool): string {
  const size = pool.range.end - pool.range.start + 1;
  const used = pool.used.reduce((n, r) => n + (r.end - r.start + 1), 0);
  return `${pool.name}: ${formatSize(used)} of ${formatSize(size)} used in ${pool.used.length} ranges`;
}
