import { describeKernelOp } from '../../apply/kernel-ops.js';
import type { Intent } from '../../plan/intent.js';
import type { DesiredKernel, PartitionLifecycle, StopRequest } from '../../plan/lifecycle.js';
import type { ObservedPartition } from '../../plan/observed.js';
import type { StepDraft } from '../../plan/step.js';
import { formatSize } from '../../units/size.js';
import { lowerParker } from './lower.js';

const stopIntent = (partition: string, stop: StopRequest): Intent => ({ kind: 'stop', partition, command: stop.command, timeoutMs: stop.timeoutMs });

function stopDraft(name: string, stop: StopRequest): StepDraft {
  return { intent: stopIntent(name, stop), why: stop.command ? 'ask it to power off (Parker has no stop file) and wait until it has' : 'it clears online when it powers off', undo: null };
}

function startDrafts(kernel: DesiredKernel): StepDraft[] {
  const start: Intent = { kind: 'start', partition: kernel.name, ...(kernel.consoleSource ? { console: kernel.consoleSource } : {}), ...(kernel.ready ? { ready: true } : {}) };
  const load: Intent = { kind: 'load-image', partition: kernel.name, image: kernel.image, cmdline: kernel.cmdline, ...(kernel.initrd ? { initrd: kernel.initrd } : {}) };
  return [
    { intent: load, why: 'load its image inside its memory (one kexec image at a time)', undo: { kind: 'unload-image' } },
    // The start's undo is the whole stop (the stop command runs until online drops, so that the
    // partition can be removed after): a crash between the start and its wait must not leave a
    // running kernel that nobody asks to power off.
    { intent: start, why: 'start it: the boot kernel jumps into the loaded image', undo: stopIntent(kernel.name, kernel.stop) },
    { intent: { kind: 'wait-online', partition: kernel.name, timeoutMs: kernel.bootTimeoutMs }, why: 'it sets online at the end of its PCI init', undo: null },
    ...(kernel.ready
      ? [
          {
            intent: { kind: 'wait-ready', partition: kernel.name, pattern: kernel.ready.pattern, timeoutMs: kernel.ready.timeoutMs },
            why: 'online is set before its drivers probe: it is up once its console says so',
            undo: null,
          } satisfies StepDraft,
        ]
      : []),
  ];
}

/** Parker's partition lifecycle: mkdir, cpus, memory, bind each device, kexec, online; rmdir gives it all back. */
export const parkerLifecycle: PartitionLifecycle = {
  create(kernel) {
    const name = kernel.name;
    return [
      { intent: { kind: 'create-partition', partition: name }, why: 'create the partition', undo: { kind: 'remove-partition', partition: name } },
      { intent: { kind: 'assign-cpus', partition: name, cpus: kernel.cpus }, why: `give it ${kernel.cpus.length} CPUs; the boot kernel offlines them`, undo: null },
      {
        intent: { kind: 'allocate-memory', partition: name, bytes: kernel.memoryBytes, node: kernel.memoryNode },
        why: `carve ${formatSize(kernel.memoryBytes)} from the CMA pool of node ${kernel.memoryNode ?? '?'} (node of CPU ${Math.min(...kernel.cpus)}, its lowest)`,
        undo: null,
      },
      ...kernel.devices.map((device): StepDraft => ({
        intent: { kind: 'hand-over-device', partition: name, device },
        why: `detach ${device} from the boot kernel and hand it over`,
        undo: { kind: 'take-back-device', partition: name, device },
      })),
      ...startDrafts(kernel),
    ];
  },
  start(kernel, have) {
    // A partition is single-use: a second write to online after its kernel powered off resets
    // the whole machine (measured on the RFC kernel). Starting again means a new partition.
    return [...parkerLifecycle.remove(have, kernel.stop), ...parkerLifecycle.create(kernel)];
  },
  stop(have, stop) {
    return [stopDraft(have.name, stop)];
  },
  remove(have: ObservedPartition, stop) {
    return [...(have.online ? [stopDraft(have.name, stop)] : []), { intent: { kind: 'remove-partition', partition: have.name }, why: 'return its CPUs, memory and devices to the boot kernel', undo: null }];
  },
  onlineBootCpu(cpu) {
    return { intent: { kind: 'online-boot-cpu', cpu }, why: `the boot kernel keeps CPU ${cpu}`, undo: { kind: 'offline-boot-cpu', cpu } };
  },
  probeBootDevice(device) {
    return { intent: { kind: 'probe-boot-device', device }, why: `the boot kernel keeps ${device}: bind its driver`, undo: null };
  },
  describe(intent) {
    // Nothing is waited for: perform refuses at once a kernel that still runs (E_CANNOT_STOP).
    if (intent.kind === 'stop' && intent.command === null) return `check that ${intent.partition} has powered off (no stop command is known for it)`;
    const text = lowerParker(intent).map(describeKernelOp).join(', then ');
    return intent.kind === 'load-image' ? `${text} for ${intent.partition}` : text;
  },
};
