import { compareText } from '../units/compare-text.js';
import type { KernelPlacement } from '../plan/resolved-layout.js';
import type { Topology } from '../topology/model.js';
import { BOOT, cpuOwners } from './layout-lookup.js';
import type { RuleContext } from './rule.js';

// Rules ask these for every kernel; each answer depends only on the whole placement or the
// whole machine, so it is worked out once per context (or topology) and kept while that lives.
// Rule contexts are not changed once built.
const ownerNamesByContext = new WeakMap<RuleContext, Map<number, string>>();
const llcByTopology = new WeakMap<Topology, Map<number, number>>();
const llcCountByTopology = new WeakMap<Topology, number>();
const ownersByCache = new WeakMap<RuleContext, Map<number, ReadonlySet<string>>>();

/**
 * Who runs on each CPU: an application kernel's name, or BOOT. CPUs nobody keeps are absent.
 * A CPU claimed twice is cpu-overlap's finding; here the first claim counts.
 */
export function cpuOwnerNames(ctx: RuleContext): ReadonlyMap<number, string> {
  const known = ownerNamesByContext.get(ctx);
  if (known) return known;
  const owners = new Map<number, string>();
  for (const cpu of ctx.placement.boot.cpus) owners.set(cpu, BOOT);
  for (const [cpu, kernel] of cpuOwners(ctx.placement.kernels)) if (!owners.has(cpu)) owners.set(cpu, kernel.name);
  ownerNamesByContext.set(ctx, owners);
  return owners;
}

/** Index into topology.caches of each CPU's last-level cache. */
export function llcOfCpu(ctx: RuleContext): ReadonlyMap<number, number> {
  const known = llcByTopology.get(ctx.topology);
  if (known) return known;
  const out = new Map<number, number>();
  for (const cpu of ctx.topology.cpu) if (cpu.llc !== null) out.set(cpu.id, cpu.llc);
  llcByTopology.set(ctx.topology, out);
  return out;
}

/** The last-level caches a kernel uses, ascending. */
export function llcsOf(ctx: RuleContext, kernel: KernelPlacement): number[] {
  const llc = llcOfCpu(ctx);
  return [...new Set(kernel.cpus.map((c) => llc.get(c)).filter((i): i is number => i !== undefined))].sort((a, b) => a - b);
}

/** The other kernels (BOOT first, then by name) running on CPUs of the kernel's last-level caches. */
export function llcNeighbours(ctx: RuleContext, kernel: KernelPlacement): string[] {
  const others = new Set<string>();
  for (const index of llcsOf(ctx, kernel)) {
    for (const owner of llcOwners(ctx, index)) if (owner !== kernel.name) others.add(owner);
  }
  return [...others].sort((a, b) => (a === BOOT ? -1 : b === BOOT ? 1 : compareText(a, b)));
}

/** The kernels running on CPUs of a cache (topology.caches index), as cpuOwnerNames names them. */
function llcOwners(ctx: RuleContext, index: number): ReadonlySet<string> {
  let byCache = ownersByCache.get(ctx);
  if (!byCache) ownersByCache.set(ctx, (byCache = new Map()));
  const known = byCache.get(index);
  if (known) return known;
  const owners = cpuOwnerNames(ctx);
  const names = new Set<string>();
  for (const cpu of ctx.topology.caches[index]?.cpus ?? []) {
    const owner = owners.get(cpu);
    if (owner !== undefined) names.add(owner);
  }
  byCache.set(index, names);
  return names;
}

/** CPUs in a kernel's last-level cache (the first one's), the unit an LLC-aligned placement counts in. */
export function llcSize(ctx: RuleContext, kernel: KernelPlacement): number | null {
  const first = llcsOf(ctx, kernel)[0];
  return first === undefined ? null : (ctx.topology.caches[first]?.cpus.length ?? null);
}

/** How many last-level caches the machine has. */
export function llcCount(ctx: RuleContext): number {
  const known = llcCountByTopology.get(ctx.topology);
  if (known !== undefined) return known;
  const count = new Set(ctx.topology.cpu.map((c) => c.llc).filter((i) => i !== null)).size;
  llcCountByTopology.set(ctx.topology, count);
  return count;
}

/** The placement change that stops a kernel sharing its last-level cache, or why there is none. */
export function llcAlignedFix(ctx: RuleContext, size: number | null): string {
  if (size === null || llcCount(ctx) < 2) return 'nothing in the placement avoids it on this machine, which has one last-level cache';
  return `place it on whole last-level caches that no other kernel uses: a CPU count that is a multiple of ${size} with placement: packed, or a list of whole L3s`;
}
