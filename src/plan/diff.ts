import { formatCpuList } from '../units/cpulist.js';
import { comparePciAddresses, normalizePciAddress } from '../units/pci-address.js';
import { formatSize } from '../units/size.js';
import type { KernelSpec } from '../spec/spec-schema.js';
import { parseDuration } from '../spec/duration.js';
import type { Topology } from '../topology/model.js';
import { PARKER_ROOT, type ObservedPartition } from '../topology/partitions.js';
import type { KernelChange, Plan } from './plan-types.js';
import type { KernelPlacement, ResolvedLayout } from './resolved-layout.js';
import { describeOp, type Step, type StepAction, type StepOp } from './step.js';

/** What the planner compares the layout with: the kernel's own files are the truth. */
export interface Observed {
  topology: Topology;
  partitions: ObservedPartition[];
}

/** How long to wait for a kernel with no stop command to power off by other means. */
const UNKNOWN_STOP_TIMEOUT_MS = 300_000;

const sameSet = (a: readonly (number | string)[], b: readonly (number | string)[]) =>
  a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');

class StepList {
  readonly steps: Step[] = [];
  add(action: StepAction, kernel: string, op: StepOp, why: string, undo: StepOp | null): void {
    this.steps.push({ id: this.steps.length + 1, action, kernel, op, why, undo, summary: describeOp(op) });
  }
}

function stopOps(name: string, spec: KernelSpec | undefined): StepOp[] {
  const online = `${PARKER_ROOT}/${name}/online`;
  if (spec?.stop) {
    const timeoutMs = parseDuration(spec.stop.timeout);
    return [
      { kind: 'run', partition: name, argv: spec.stop.command, timeoutMs },
      { kind: 'wait', path: online, value: '0', timeoutMs },
    ];
  }
  return [{ kind: 'wait', path: online, value: '0', timeoutMs: UNKNOWN_STOP_TIMEOUT_MS }];
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

function createSteps(list: StepList, action: StepAction, layout: ResolvedLayout, kernel: KernelPlacement): void {
  const spec = layout.spec.kernels[kernel.index]!;
  const cmdline = layout.cmdlines.find((c) => c.name === kernel.name)!;
  const dir = `${PARKER_ROOT}/${kernel.name}`;
  list.add(action, kernel.name, { kind: 'mkdir', path: dir }, 'create the partition', { kind: 'rmdir', path: dir });
  // The kernel offlines CPUs still online in the boot kernel when they are written here.
  list.add(action, kernel.name, { kind: 'write', path: `${dir}/cpus`, value: formatCpuList(kernel.cpus) }, `give it ${kernel.cpus.length} CPUs; the boot kernel offlines them`, null);
  list.add(action, kernel.name, { kind: 'write', path: `${dir}/memory`, value: formatSize(kernel.memoryBytes) }, `carve ${formatSize(kernel.memoryBytes)} from the CMA pool of node ${kernel.memoryNode ?? '?'} (node of CPU ${Math.min(...kernel.cpus)}, its lowest)`, null);
  for (const device of kernel.devices) {
    list.add(action, kernel.name, { kind: 'write', path: `${dir}/bind`, value: device }, `detach ${device} from the boot kernel and hand it over`, { kind: 'write', path: `${dir}/unbind`, value: device });
  }
  startSteps(list, action, kernel, spec, cmdline.text);
}

function startSteps(list: StepList, action: StepAction, kernel: KernelPlacement, spec: KernelSpec, cmdline: string): void {
  const dir = `${PARKER_ROOT}/${kernel.name}`;
  const load: StepOp = { kind: 'kexec-load', partition: kernel.name, image: spec.image, cmdline, ...(spec.initrd ? { initrd: spec.initrd } : {}) };
  list.add(action, kernel.name, load, 'load its image inside its memory (one kexec image at a time)', { kind: 'kexec-unload' });
  // The start's undo is the whole stop (the stop command runs until online drops, so that the
  // partition can be removed after): a crash between the start and its wait must not leave a
  // running kernel that nobody asks to power off. Without a stop command, all there is to do is wait.
  const stop = stopOps(kernel.name, spec)[0]!;
  list.add(action, kernel.name, { kind: 'write', path: `${dir}/online`, value: '1' }, 'start it: the boot kernel jumps into the loaded image', stop);
  list.add(action, kernel.name, { kind: 'wait', path: `${dir}/online`, value: '1', timeoutMs: parseDuration(spec.bootTimeout) }, 'it sets online at the end of its PCI init', null);
}

function deleteSteps(list: StepList, action: StepAction, have: ObservedPartition, spec: KernelSpec | undefined): void {
  if (have.online) {
    for (const op of stopOps(have.name, spec)) list.add(action, have.name, op, op.kind === 'run' ? 'ask it to power off (Parker has no stop file)' : 'it clears online when it powers off', null);
  }
  list.add(action, have.name, { kind: 'rmdir', path: `${PARKER_ROOT}/${have.name}` }, 'return its CPUs, memory and devices to the boot kernel', null);
}

/**
 * The boot kernel's side: CPUs it keeps that are offline and that no partition owns come back
 * online, and devices the spec says it keeps that have no driver and no partition are probed.
 * CPUs and devices a partition holds come back through that partition's rmdir instead.
 */
function bootSteps(list: StepList, kernels: KernelChange[], layout: ResolvedLayout, observed: Observed): void {
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
  for (const cpu of cpus) {
    const path = `sys/devices/system/cpu/cpu${cpu}/online`;
    list.add('change', 'boot', { kind: 'write', path, value: '1' }, `the boot kernel keeps CPU ${cpu}`, { kind: 'write', path, value: '0' });
  }
  for (const device of devices) {
    list.add('change', 'boot', { kind: 'write', path: 'sys/bus/pci/drivers_probe', value: device }, `the boot kernel keeps ${device}: bind its driver`, null);
  }
}

/** The steps that ask a running kernel to power off and wait for it (`parker stop`). */
export function stopPlan(name: string, spec: KernelSpec | undefined): Plan {
  const list = new StepList();
  for (const op of stopOps(name, spec)) list.add('change', name, op, op.kind === 'run' ? 'ask it to power off (Parker has no stop file)' : 'it clears online when it powers off', null);
  return { schema: 'parker.plan/v1', kernels: [{ kernel: name, action: 'change', reasons: ['stop'] }], bootChanges: [], steps: list.steps };
}

/**
 * Desired layout against observed partitions -> ordered steps. Deletions first (they free
 * CPUs, memory and devices), then replacements, then creations in start order. A partition
 * that already matches and is online gives no steps.
 */
export function diffLayout(layout: ResolvedLayout, observed: Observed, known: readonly KernelSpec[] = [], deleteReason = 'not in the layout'): Plan {
  const list = new StepList();
  const kernels: KernelChange[] = [];
  const haveByName = new Map(observed.partitions.map((p) => [p.name, p]));
  const wanted = new Set(layout.placement.kernels.map((k) => k.name));
  bootSteps(list, kernels, layout, observed);

  for (const have of [...observed.partitions].sort((a, b) => a.name.localeCompare(b.name))) {
    if (wanted.has(have.name)) continue;
    kernels.push({ kernel: have.name, action: 'delete', reasons: [deleteReason] });
    // A kernel applied earlier still has its stop command there.
    deleteSteps(list, 'delete', have, known.find((k) => k.name === have.name));
  }

  const inStartOrder = [...layout.placement.kernels].sort((a, b) => {
    const x = layout.spec.kernels[a.index]!;
    const y = layout.spec.kernels[b.index]!;
    return x.order - y.order || a.name.localeCompare(b.name);
  });
  const replaced = new Set<string>();
  for (const kernel of inStartOrder) {
    const have = haveByName.get(kernel.name);
    if (!have) continue;
    const reasons = differences(kernel, have);
    if (reasons.length > 0) {
      replaced.add(kernel.name);
      kernels.push({ kernel: kernel.name, action: 'replace', reasons });
      deleteSteps(list, 'change', have, layout.spec.kernels[kernel.index]);
    }
  }
  for (const kernel of inStartOrder) {
    const have = haveByName.get(kernel.name);
    const spec = layout.spec.kernels[kernel.index]!;
    if (!have) {
      const devices = kernel.devices.length === 1 ? '1 device' : `${kernel.devices.length} devices`;
      kernels.push({ kernel: kernel.name, action: 'create', reasons: [`${kernel.cpus.length} CPUs, ${formatSize(kernel.memoryBytes)}, ${devices}`] });
      createSteps(list, 'create', layout, kernel);
    } else if (replaced.has(kernel.name)) {
      createSteps(list, 'change', layout, kernel);
    } else if (!have.online) {
      kernels.push({ kernel: kernel.name, action: 'start', reasons: ['not online'] });
      startSteps(list, 'change', kernel, spec, layout.cmdlines.find((c) => c.name === kernel.name)!.text);
    } else {
      kernels.push({ kernel: kernel.name, action: 'unchanged', reasons: [] });
    }
  }
  return { schema: 'parker.plan/v1', kernels, bootChanges: layout.boot.changes, steps: list.steps };
}
