import { formatParkerCma } from '../../plan/cma-sizing.js';
import { parseParkerCma, roundUpToGiB } from '../../units/parker-cma.js';
import { lookupValue, parseCmdline } from '../../plan/cmdline-params.js';
import type { KernelPlacement } from '../../plan/resolved-layout.js';
import type { NumaNode, Topology } from '../../topology/model.js';
import { ParkerError } from '../../units/parker-error.js';
import { formatSize, formatSizeHuman } from '../../units/size.js';
import { BOOT, kernelPath, listWords, quoted, type SpecPath } from '../layout-lookup.js';
import type { Finding, Rule, RuleContext } from '../rule.js';

interface NodeDemand {
  node: NumaNode;
  /** Sum of the kernels' memory, each rounded up to whole GiB as Parker allocates it. */
  bytes: number;
  kernels: KernelPlacement[];
}

/** The `parker_cma=` the layout will run with, and where it comes from. */
interface PoolSource {
  value: string;
  /** How messages name it. */
  label: string;
  /** Where its fix goes: boot.cmdline when the user wrote it there. */
  path?: SpecPath;
  /**
   * The pools the running boot kernel made, as discovered (node -> bytes, null when the size is
   * unknown): a `parker_cma=` reservation can fail for a node at boot, and boot goes on.
   */
  made?: ReadonlyMap<number, number | null>;
}

const PAGE = 4096;

/**
 * The Parker pools the running boot kernel made, by node, from discovery (`parker<N>` CMA
 * areas; sizes from total_pages, or /proc/zoneinfo on 6.12; null when unknown). Null when
 * discovery saw no Parker pool at all: then it cannot tell a failed reservation from a kernel
 * that shows no CMA areas, and the `parker_cma=` text is all there is.
 */
export function madePools(topology: Topology): Map<number, number | null> | null {
  const made = new Map<number, number | null>();
  for (const area of topology.cma) {
    const node = /^parker(\d+)$/.exec(area.name);
    if (node) made.set(Number(node[1]), area.totalPages === null ? null : area.totalPages * PAGE);
  }
  return made.size > 0 ? made : null;
}

/** The pools as the kernel made them: each node's discovered size, the asked size where it is unknown, none where no pool was made. */
function effectivePools(asked: ReadonlyMap<number, number>, made: ReadonlyMap<number, number | null>): Map<number, number> {
  const pools = new Map<number, number>();
  for (const [node, bytes] of made) pools.set(node, bytes ?? asked.get(node) ?? 0);
  return pools;
}

/**
 * Each kernel's memory comes from the CMA pool of its memory node (the node of its first CPU),
 * in 1 GiB units. The pools are the boot kernel's `parker_cma=`: the one in boot.cmdline when
 * the spec sets it, else the running one. Without one Parker has no memory at all, which is a
 * boot-kernel change (reboot with the value this layout needs, as BootCmdline.changes says).
 */
export const memoryCmaRule: Rule = {
  id: 'memory-cma',
  hazard: 'H25',
  description: "the kernels' memory fits the CMA pool of each node it comes from",
  check(ctx) {
    const out: Finding[] = [];
    const demands = demandByNode(ctx, out);
    if (demands.length === 0) return out;
    const withMemory = ctx.topology.nodes.filter((n) => n.hasMemory).map((n) => n.id);
    const user = parkerCma(ctx.spec.boot.cmdline);
    const current = ctx.boot.current === null ? undefined : parkerCma(ctx.boot.current);
    const planned = ctx.boot.changes.find((p) => p.key === 'parker_cma' && p.value !== null)?.value ?? undefined;
    const plannedPools = planned === undefined ? null : readPools(planned, withMemory);
    // What to suggest: the planned change when it suffices, else the given pools grown to fit.
    const needed = (pools: ReadonlyMap<number, number> | null) =>
      planned !== undefined && plannedPools !== null && fits(demands, plannedPools) ? planned : formatParkerCma(grownPools(pools ?? plannedPools ?? new Map(), demands));

    if (current === undefined && user === undefined) {
      const value = needed(null);
      const why = ctx.boot.current === null ? "the boot kernel's command line is unknown" : "the boot kernel's command line has no parker_cma=, so Parker has no memory pools";
      // On the machine apply would change (the simulator, this host) that is a gate: apply
      // cannot give any partition memory. A described machine (snapshot, tree, synthetic) only
      // shows what its boot kernel will need.
      out.push({
        severity: runsNow(ctx) ? 'error' : 'warning',
        message: `${why}: this layout needs parker_cma=${value} (a boot-kernel change: the boot kernel must be rebooted with it)`,
        fix: `add parker_cma=${value} to the boot kernel's command line and reboot it`,
        kernels: [BOOT],
      });
      if (planned !== undefined && plannedPools !== null) out.push(...checkPools(demands, plannedPools, { value: planned, label: `the planned parker_cma=${planned}` }, value));
      return out;
    }
    // The running kernel's pools are the ones it made, which can be fewer or smaller than its
    // parker_cma= asked for; boot.cmdline's value is for a reboot, so only its text counts.
    // A machine apply would change (the simulator, this host) that runs with parker_cma= but
    // has no control filesystem: every reservation failed (the kernel then disables Parker),
    // or it is not a Parker kernel. Apply could not create a partition, whatever the pools say.
    if (user === undefined && runsNow(ctx) && !ctx.topology.parker.controlFs) {
      const value = formatParkerCma(grownPools(new Map(), demands));
      out.push({
        severity: 'error',
        message: `the boot kernel runs with parker_cma=${current} but has no Parker control filesystem (sys/fs/parker): it is not a Parker kernel, or every parker_cma= reservation failed at boot and Parker is off, so no partition can be made`,
        fix: `boot a Parker kernel with a parker_cma= its nodes can hold, such as parker_cma=${value} for this layout (its boot log says "reservation failed" for each node it could not reserve)`,
        kernels: [BOOT, ...demands.flatMap((d) => d.kernels.map((k) => k.name))],
      });
      return out;
    }
    const made = user === undefined ? madePools(ctx.topology) : null;
    const source: PoolSource =
      user !== undefined
        ? { value: user, label: `boot.cmdline's parker_cma=${user}`, path: ['boot', 'cmdline'] }
        : { value: current!, label: `the boot kernel's parker_cma=${current}`, ...(made ? { made } : {}) };
    let pools: Map<number, number>;
    try {
      pools = parseParkerCma(source.value, withMemory);
    } catch (e) {
      if (!(e instanceof ParkerError)) throw e;
      const value = needed(null);
      const d: Finding = { severity: 'error', message: `${source.path ? 'boot.cmdline' : "the boot kernel's command line"}: ${e.message}`, fix: fixFor(source, value), kernels: [BOOT] };
      if (source.path) d.path = source.path;
      out.push(d);
      return out;
    }
    const asked = pools;
    if (source.made) pools = effectivePools(asked, source.made);
    out.push(...checkPools(demands, pools, source, source.path ? formatParkerCma(grownPools(asked, demands)) : needed(asked), asked));
    return out;
  },
};

/** Whether the machine is the one apply would change (the simulator, this host), with a known command line. */
function runsNow(ctx: RuleContext): boolean {
  return ctx.boot.current !== null && (ctx.topology.machine.kind === 'sim' || ctx.topology.machine.kind === 'host');
}

/** The value of the last parker_cma= before "--", or undefined. */
function parkerCma(cmdline: string): string | undefined {
  return lookupValue(parseCmdline(cmdline), 'parker_cma') ?? undefined;
}

function fixFor(source: PoolSource, value: string): string {
  return source.path ? `write parker_cma=${value} in boot.cmdline` : `boot the boot kernel with parker_cma=${value}`;
}

/** Memory asked of each node with memory, in node order; memoryless and overfull nodes are reported here and left out. */
function demandByNode(ctx: RuleContext, out: Finding[]): NodeDemand[] {
  const nodes = new Map(ctx.topology.nodes.map((n) => [n.id, n]));
  const demands = new Map<number, NodeDemand>();
  for (const kernel of ctx.placement.kernels) {
    // An unknown or missing node is node-exists' finding; no memory is the loader's ("memory-size").
    const node = kernel.memoryNode === null ? undefined : nodes.get(kernel.memoryNode);
    if (node === undefined || kernel.memoryBytes <= 0) continue;
    if (!node.hasMemory) {
      const candidates = ctx.topology.nodes.filter((n) => n.hasMemory && n.hasCpu).map((n) => n.id);
      out.push({
        severity: 'error',
        message: `kernel ${quoted(kernel.name)} would take its memory from NUMA node ${node.id}, the node of its first CPU ${kernel.cpus[0]}, which has no memory`,
        fix: `put a CPU of a node with memory (${candidates.join(', ')}) first in its CPU list: Parker allocates memory on the first CPU's node`,
        path: kernelPath(kernel, 'cpus'),
        kernels: [kernel.name],
      });
      continue;
    }
    const demand = demands.get(node.id) ?? { node, bytes: 0, kernels: [] };
    demand.bytes += roundUpToGiB(kernel.memoryBytes);
    demand.kernels.push(kernel);
    demands.set(node.id, demand);
  }
  const fitting: NodeDemand[] = [];
  for (const demand of [...demands.values()].sort((a, b) => a.node.id - b.node.id)) {
    const capacity = demand.node.memoryBytes;
    if (capacity === null || demand.bytes <= capacity) {
      fitting.push(demand);
      continue;
    }
    // A single kernel larger than its node is partition-limits' finding (H25); here only the sum.
    if (demand.kernels.some((k) => k.memoryBytes > capacity)) continue;
    out.push({
      severity: 'error',
      message: `kernels ${listWords(demand.kernels.map((k) => quoted(k.name)))} take ${formatSize(demand.bytes)} from NUMA node ${demand.node.id}, which has ${formatSizeHuman(capacity)} of memory`,
      fix: `shrink their memory, or start some of them on another node's CPUs`,
      path: kernelPath(demand.kernels[demand.kernels.length - 1]!, 'memory'),
      kernels: demand.kernels.map((k) => k.name),
    });
  }
  return fitting;
}

function readPools(value: string, withMemory: number[]): Map<number, number> | null {
  try {
    return parseParkerCma(value, withMemory);
  } catch (e) {
    if (e instanceof ParkerError) return null;
    throw e;
  }
}

function fits(demands: NodeDemand[], pools: ReadonlyMap<number, number>): boolean {
  return demands.every((d) => d.bytes <= (pools.get(d.node.id) ?? 0));
}

/** The pools grown to hold every demand, never shrunk: what `parker_cma=` should say. */
function grownPools(pools: ReadonlyMap<number, number>, demands: NodeDemand[]): Map<number, number> {
  const grown = new Map(pools);
  for (const d of demands) grown.set(d.node.id, Math.max(grown.get(d.node.id) ?? 0, d.bytes));
  return grown;
}

function checkPools(demands: NodeDemand[], pools: ReadonlyMap<number, number>, source: PoolSource, needed: string, asked: ReadonlyMap<number, number> = pools): Finding[] {
  const out: Finding[] = [];
  for (const demand of demands) {
    if (fits([demand], pools)) continue;
    const pool = pools.get(demand.node.id);
    const takers = `${demand.kernels.length > 1 ? 'kernels' : 'kernel'} ${listWords(demand.kernels.map((k) => quoted(k.name)))}`;
    const wanted = asked.get(demand.node.id);
    if (source.made && wanted !== undefined && (pool ?? 0) < wanted) {
      // The kernel made less than its parker_cma= asked for: a reboot with the same value would not help.
      const made = pool === undefined || pool === 0 ? `no pool: its reservation failed at boot (there is no parker${demand.node.id} CMA area)` : `a pool of only ${formatSize(pool)}`;
      out.push({
        severity: 'error',
        message: `${takers} need${demand.kernels.length > 1 ? '' : 's'} ${formatSize(demand.bytes)} from the CMA pool of NUMA node ${demand.node.id}; ${source.label} asks ${formatSize(wanted)} there, but the boot kernel made ${made}`,
        fix: `start ${demand.kernels.length > 1 ? 'them' : 'it'} on another node's CPUs, or free 1 GiB-aligned memory on node ${demand.node.id} for the pool and reboot (the boot log says "reservation failed" for the node)`,
        path: kernelPath(demand.kernels[demand.kernels.length - 1]!, 'cpus'),
        kernels: [BOOT, ...demand.kernels.map((k) => k.name)],
      });
      continue;
    }
    const have = pool === undefined ? `but ${source.label} gives node ${demand.node.id} no pool` : `but ${source.label} makes node ${demand.node.id}'s pool ${formatSize(pool)}`;
    out.push({
      severity: 'error',
      message: `${takers} need${demand.kernels.length > 1 ? '' : 's'} ${formatSize(demand.bytes)} from the CMA pool of NUMA node ${demand.node.id}, ${have}`,
      fix: `${fixFor(source, needed)}, or start some of them on another node's CPUs`,
      path: source.path ?? kernelPath(demand.kernels[demand.kernels.length - 1]!, 'memory'),
      kernels: [BOOT, ...demand.kernels.map((k) => k.name)],
    });
  }
  return out;
}
