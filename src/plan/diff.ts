import { compareText } from '../units/compare-text.js';
import { formatCpuList } from '../units/cpulist.js';
import { comparePciAddresses, normalizePciAddress } from '../units/pci-address.js';
import { formatSize } from '../units/size.js';
import type { KernelSpec } from '../spec/spec-schema.js';
import { parseDuration } from '../spec/duration.js';
import type { DesiredKernel, PartitionLifecycle, StopRequest } from './lifecycle.js';
import type { Observed, ObservedPartition } from './observed.js';
import type { KernelChange, Plan } from './plan-types.js';
import type { KernelPlacement, ResolvedLayout } from './resolved-layout.js';
import type { Step, StepAction, StepDraft } from './step.js';

export type { Observed } from './observed.js';

/**
 * The timeout a stop with no command carries in its intent. Nothing waits on it: such a stop only
 * checks that the kernel has powered off, and is refused at once while it runs (perform.ts).
 */
const UNKNOWN_STOP_TIMEOUT_MS = 300_000;

const sameSet = (a: readonly (number | string)[], b: readonly (number | string)[]) =>
  a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');

/** The stop request of a kernel spec; a kernel parker knows nothing of can only be waited for. */
export function stopRequestOf(spec: KernelSpec | undefined): StopRequest {
  if (spec?.stop) return { command: spec.stop.command, timeoutMs: parseDuration(spec.stop.timeout) };
  return { command: null, timeoutMs: UNKNOWN_STOP_TIMEOUT_MS };
}

/** A placed kernel with everything the interface needs to create and start it. */
export function desiredKernel(layout: ResolvedLayout, kernel: KernelPlacement): DesiredKernel {
  const spec = layout.spec.kernels[kernel.index]!;
  const cmdline = layout.cmdlines.find((c) => c.name === kernel.name)!;
  return {
    name: kernel.name,
    cpus: kernel.cpus,
    memoryBytes: kernel.memoryBytes,
    memoryNode: kernel.memoryNode,
    devices: kernel.devices,
    image: spec.image,
    ...(spec.initrd ? { initrd: spec.initrd } : {}),
    cmdline: cmdline.text,
    bootTimeoutMs: parseDuration(spec.bootTimeout),
    ready: spec.ready === false ? null : { pattern: spec.ready.pattern, timeoutMs: parseDuration(spec.ready.timeout) },
    ...(spec.consoleSource ? { consoleSource: spec.consoleSource } : {}),
    stop: stopRequestOf(spec),
  };
}

class StepList {
  readonly steps: Step[] = [];
  constructor(private readonly lifecycle: PartitionLifecycle) {}
  add(action: StepAction, kernel: string, drafts: StepDraft[]): void {
    for (const d of drafts) this.steps.push({ id: this.steps.length + 1, action, kernel, intent: d.intent, why: d.why, undo: d.undo, summary: this.lifecycle.describe(d.intent) });
  }
}

/** Reasons an observed partition differs from its placement; empty when it matches. */
function differences(want: KernelPlacement, have: ObservedPartition): string[] {
  const reasons: string[] = [];
  if (!sameSet(want.cpus, have.cpus)) reasons.push(`cpus ${formatCpuList(have.cpus) || '(none)'} -> ${formatCpuList(want.cpus)}`);
  const haveBytes = have.memory ? have.memory.end - have.memory.start + 1 : 0;
  if (haveBytes !== want.memoryBytes) reasons.push(`memory ${haveBytes ? formatSize(haveBytes) : '(none)'} -> ${formatSize(want.memoryBytes)}`);
  if (!sameSet(want.devices, have.devices)) reasons.push(`devices ${have.devices.join(',') || '(none)'} -> ${want.devices.join(',') || '(none)'}`);
  return reasons;
}

/**
 * The boot kernel's side: CPUs it keeps that are offline and that no partition owns come back
 * online, and devices the spec says it keeps that have no driver and no partition are probed.
 * CPUs and devices a partition holds come back through that partition's removal instead.
 */
function bootSteps(list: StepList, lifecycle: PartitionLifecycle, kernels: KernelChange[], layout: ResolvedLayout, observed: Observed): void {
  const owned = new Set(observed.partitions.flatMap((p) => p.cpus));
  const held = new Set(observed.partitions.flatMap((p) => p.devices));
  const onlineNow = new Set(observed.topology.cpus.online);
  const hotpluggable = new Set(observed.topology.cpu.filter((c) => c.hotpluggable).map((c) => c.id));
  const cpus = layout.placement.boot.cpus.filter((cpu) => !onlineNow.has(cpu) && !owned.has(cpu) && hotpluggable.has(cpu)).sort((a, b) => a - b);
  const driverless = new Set(observed.topology.pci.filter((d) => d.driver === null).map((d) => d.address));
  const devices = layout.spec.boot.devices.map(normalizePciAddress).filter((d) => driverless.has(d) && !held.has(d)).sort(comparePciAddresses);
  if (cpus.length === 0 && devices.length === 0) return;
  const reasons = [...(cpus.length ? [`CPUs ${formatCpuList(cpus)} offline -> online`] : []), ...(devices.length ? [`devices ${devices.join(',')} without a driver -> probed`] : [])];
  kernels.push({ kernel: 'boot', action: 'change', reasons });
  list.add('change', 'boot', [...cpus.map((cpu) => lifecycle.onlineBootCpu(cpu)), ...devices.map((device) => lifecycle.probeBootDevice(device))]);
}

/** The steps that ask a running kernel to power off and wait for it (`parker stop`). */
export function stopPlan(lifecycle: PartitionLifecycle, have: ObservedPartition, spec: KernelSpec | undefined): Plan {
  const list = new StepList(lifecycle);
  list.add('change', have.name, lifecycle.stop(have, stopRequestOf(spec)));
  return { schema: 'parker.plan/v1', kernels: [{ kernel: have.name, action: 'change', reasons: ['stop'] }], bootChanges: [], steps: list.steps };
}

/**
 * Desired layout against observed partitions -> ordered steps. Deletions first (they free
 * CPUs, memory and devices), then replacements, then creations in start order. A partition
 * that already matches and is online gives no steps. `known` holds the kernels of the layout
 * applied before, whose stop commands still apply to partitions this layout removes.
 */
export function diffLayout(lifecycle: PartitionLifecycle, layout: ResolvedLayout, observed: Observed, known: readonly KernelSpec[] = [], deleteReason = 'not in the layout'): Plan {
  const list = new StepList(lifecycle);
  const kernels: KernelChange[] = [];
  const haveByName = new Map(observed.partitions.map((p) => [p.name, p]));
  const wanted = new Set(layout.placement.kernels.map((k) => k.name));
  bootSteps(list, lifecycle, kernels, layout, observed);

  for (const have of [...observed.partitions].sort((a, b) => compareText(a.name, b.name))) {
    if (wanted.has(have.name)) continue;
    kernels.push({ kernel: have.name, action: 'delete', reasons: [deleteReason] });
    list.add('delete', have.name, lifecycle.remove(have, stopRequestOf(known.find((k) => k.name === have.name))));
  }

  const inStartOrder = [...layout.placement.kernels].sort((a, b) => {
    const x = layout.spec.kernels[a.index]!;
    const y = layout.spec.kernels[b.index]!;
    return x.order - y.order || compareText(a.name, b.name);
  });
  const replaced = new Set<string>();
  for (const kernel of inStartOrder) {
    const have = haveByName.get(kernel.name);
    if (!have) continue;
    const reasons = differences(kernel, have);
    if (reasons.length > 0) {
      replaced.add(kernel.name);
      kernels.push({ kernel: kernel.name, action: 'replace', reasons });
      // The running kernel is stopped as it was started: with the applied layout's stop command
      // when it has one, else with this layout's.
      const running = known.find((k) => k.name === kernel.name);
      list.add('change', kernel.name, lifecycle.remove(have, stopRequestOf(running?.stop ? running : layout.spec.kernels[kernel.index])));
    }
  }
  for (const kernel of inStartOrder) {
    const have = haveByName.get(kernel.name);
    const want = desiredKernel(layout, kernel);
    if (!have) {
      const devices = kernel.devices.length === 1 ? '1 device' : `${kernel.devices.length} devices`;
      kernels.push({ kernel: kernel.name, action: 'create', reasons: [`${kernel.cpus.length} CPUs, ${formatSize(kernel.memoryBytes)}, ${devices}`] });
      list.add('create', kernel.name, lifecycle.create(want));
    } else if (replaced.has(kernel.name)) {
      list.add('change', kernel.name, lifecycle.create(want));
    } else if (!have.online) {
      kernels.push({ kernel: kernel.name, action: 'start', reasons: ['not online'] });
      list.add('change', kernel.name, lifecycle.start(want, have));
    } else {
      kernels.push({ kernel: kernel.name, action: 'unchanged', reasons: [] });
    }
  }
  return { schema: 'parker.plan/v1', kernels, bootChanges: layout.boot.changes, steps: list.steps };
}
