import type { Diagnostic } from '../spec/diagnostic.js';
import type { LayoutSpec } from '../spec/spec-schema.js';
import type { Topology } from '../topology/model.js';
import { formatCpuList, parseCpuList } from '../units/cpulist.js';
import { ParkerError } from '../units/parker-error.js';
import { cmaNeeds, formatParkerCma } from './cma-sizing.js';
import { parseParkerCma } from '../units/parker-cma.js';
import { kernelItems, listOptions, lookup, lookupAll, parseCmdline, renderItem, sameKey } from './cmdline-params.js';
import type { CmdlineItem } from './cmdline-params.js';
import type { BootCmdline, CmdlineParam, Placement } from './resolved-layout.js';

/**
 * The boot kernel's parameters as they will be once the boot-kernel changes are made: its
 * current command line (before any "--") followed by the spec's `boot.cmdline`, which wins.
 */
export function effectiveBootItems(current: string | null, extra: string): CmdlineItem[] {
  return [...kernelItems(parseCmdline(current ?? '')), ...parseCmdline(extra)];
}

/** Generated boot parameters the user may set in boot.cmdline instead; the user's value is then used. */
const OVERRIDABLE = ['parker_cma', 'iommu', 'irqaffinity'];

/**
 * What the boot kernel needs for this layout: the CMA pools the kernels' memory comes from
 * (`parker_cma=`), IOMMU passthrough so handed-over devices' DMA is not translated (H13), its
 * interrupts kept on its own CPUs (H12), and the spec's `boot.cmdline`. `changes` are those the
 * current command line lacks: each needs a reboot of the boot kernel.
 */
export function buildBootCmdline(spec: LayoutSpec, placement: Placement, topology: Topology): { boot: BootCmdline; diagnostics: Diagnostic[] } {
  const current = topology.kernel.cmdline;
  const nodesWithMemory = topology.nodes.filter((n) => n.hasMemory).map((n) => n.id);
  const user: CmdlineParam[] = parseCmdline(spec.boot.cmdline).map((p) => ({ ...p, source: 'user' }));
  const generated: CmdlineParam[] = [];
  if (spec.kernels.length > 0) {
    const needs = cmaNeeds(placement, topology);
    if (needs.size > 0) generated.push({ key: 'parker_cma', value: formatParkerCma(needs), source: 'parker', reason: 'CMA pools for partition memory' });
    // Only where there is an IOMMU to put in passthrough and a device to hand over (as H13 judges it).
    const currentItems = current === null ? [] : kernelItems(parseCmdline(current));
    if (placement.kernels.some((k) => k.devices.length > 0) && iommuPresent(topology, currentItems)) generated.push({ key: 'iommu', value: 'pt', source: 'hazard', reason: 'H13' });
    if (placement.boot.cpus.length > 0) generated.push({ key: 'irqaffinity', value: formatCpuList(placement.boot.cpus), source: 'hazard', reason: 'H12' });
  }

  const diagnostics: Diagnostic[] = [];
  const kept = generated.filter((g) => {
    const mine = lookup(user, g.key);
    if (mine === undefined || !OVERRIDABLE.includes(g.key)) return true;
    // parker_cma is judged by memory-cma and iommu by H13 against the value in use; only irqaffinity is reported here.
    if (g.key === 'irqaffinity' && !sameCpus(mine.value, g.value)) {
      diagnostics.push({
        severity: 'warning',
        rule: 'cmdline-conflict',
        hazard: 'H12',
        message: `boot.cmdline sets ${renderItem(mine)}, but the boot kernel keeps CPUs ${g.value}: its interrupts may be sent to CPUs that application kernels own`,
        fix: `write irqaffinity=${g.value} in boot.cmdline, or leave irqaffinity= out and parker adds it`,
        path: ['boot', 'cmdline'],
        kernels: ['boot'],
      });
    }
    return false;
  });
  const required = [...kept, ...user];
  const userCma = lookup(user, 'parker_cma');
  if (userCma !== undefined) {
    try {
      parseParkerCma(userCma.value ?? '', nodesWithMemory);
    } catch (e) {
      if (!(e instanceof ParkerError)) throw e;
      diagnostics.push({
        severity: 'error',
        rule: 'cmdline-syntax',
        message: `boot.cmdline has an ${e.message}`,
        fix: e.hint ?? 'write parker_cma=NID:SIZE[,NID:SIZE...]',
        path: ['boot', 'cmdline'],
        kernels: ['boot'],
      });
    }
  }
  const currentItems = kernelItems(parseCmdline(current ?? ''));
  const changes: CmdlineParam[] = [];
  for (const param of required) {
    const change = neededChange(param, currentItems, nodesWithMemory);
    if (change !== null) changes.push(change);
  }
  return { boot: { current, required, changes }, diagnostics };
}

/** The change `current` needs to satisfy `param`, or null when it already does. */
function neededChange(param: CmdlineParam, current: readonly CmdlineItem[], nodes: readonly number[]): CmdlineParam | null {
  if (sameKey(param.key, 'parker_cma') && param.value !== null) return parkerCmaChange(param, current, nodes);
  if (sameKey(param.key, 'iommu') && param.value === 'pt') return iommuTranslationOff(current) ? null : param;
  if (sameKey(param.key, 'irqaffinity')) return sameCpus(lookup(current, param.key)?.value ?? null, param.value) ? null : param;
  // Parameters that act on each occurrence (console=, mce=) are satisfied by any equal one.
  return lookupAll(current, param.key).some((c) => c.value === param.value) ? null : param;
}

/**
 * A `parker_cma=` already present whose pool on every node is large enough is no change. A
 * smaller one grows to the larger of the two sizes on every node, so pools that other
 * partitions may use are never shrunk.
 */
function parkerCmaChange(param: CmdlineParam, current: readonly CmdlineItem[], nodes: readonly number[]): CmdlineParam | null {
  let needed: Map<number, number>;
  try {
    needed = parseParkerCma(param.value!, nodes);
  } catch (e) {
    // A malformed value from boot.cmdline: reported as cmdline-syntax; still a change to make.
    if (!(e instanceof ParkerError)) throw e;
    return param;
  }
  const have = lookup(current, 'parker_cma')?.value;
  let pools = new Map<number, number>();
  if (have !== undefined && have !== null) {
    try {
      pools = parseParkerCma(have, nodes);
    } catch (e) {
      if (!(e instanceof ParkerError)) throw e;
      return param;
    }
  }
  if ([...needed].every(([node, bytes]) => (pools.get(node) ?? 0) >= bytes)) return null;
  const grown = new Map(pools);
  for (const [node, bytes] of needed) grown.set(node, Math.max(grown.get(node) ?? 0, bytes));
  return { ...param, value: formatParkerCma(grown) };
}

/**
 * Whether the machine has an IOMMU at work: some PCI device sits in an IOMMU group (the kernel
 * makes groups only when an IOMMU is active, translating or passthrough), or the boot line
 * turns one on explicitly.
 */
export function iommuPresent(topology: Topology, current: readonly CmdlineItem[]): boolean {
  if (topology.pci.some((d) => d.iommuGroup !== null)) return true;
  const on = (key: string) => listOptions(current, key).some((o) => o === 'on' || o === 'force' || o === 'strict');
  const passthrough = lookup(current, 'iommu.passthrough')?.value;
  return on('intel_iommu') || on('amd_iommu') || listOptions(current, 'iommu').some((o) => o === 'force' || o === 'nopt') || passthrough === '0';
}

/** DMA from handed-over devices is not translated: `iommu=pt` (or `iommu.passthrough=1`), or the IOMMU off. */
export function iommuTranslationOff(params: readonly CmdlineItem[]): boolean {
  const iommu = listOptions(params, 'iommu');
  if (iommu.includes('off') || listOptions(params, 'intel_iommu').includes('off') || listOptions(params, 'amd_iommu').includes('off')) return true;
  let passthrough = false;
  for (const option of iommu) {
    if (option === 'pt') passthrough = true;
    if (option === 'nopt') passthrough = false;
  }
  const generic = lookup(params, 'iommu.passthrough')?.value;
  if (generic !== undefined && generic !== null) passthrough = ['1', 'y', 'Y', 'on'].includes(generic);
  return passthrough;
}

function sameCpus(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  try {
    return formatCpuList(parseCpuList(a)) === formatCpuList(parseCpuList(b));
  } catch {
    return false;
  }
}
