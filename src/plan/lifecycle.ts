import type { Intent } from './intent.js';
import type { ObservedPartition } from './observed.js';
import type { StepDraft } from './step.js';

/** One application kernel as the layout wants it, everything decided. */
export interface DesiredKernel {
  name: string;
  cpus: number[];
  memoryBytes: number;
  memoryNode: number | null;
  devices: string[];
  image: string;
  initrd?: string;
  cmdline: string;
  bootTimeoutMs: number;
  /** When the kernel counts as up: a line its console shows after online; null to stop at online. */
  ready: ReadyRequest | null;
  /** Where the boot kernel reads its console (a serial device or a log file), when the layout names it. */
  consoleSource?: string;
  stop: StopRequest;
}

export interface ReadyRequest {
  /** A regular expression matched against each console line. */
  pattern: string;
  timeoutMs: number;
}

/** How to ask a kernel to power off: its command, or nothing but a wait when null. */
export interface StopRequest {
  command: string[] | null;
  timeoutMs: number;
}

/**
 * A kernel interface's say over a partition's life: the planner decides what changes (create,
 * start, stop, remove, replace) and in which order; the interface decides the steps, so its
 * kernel's rules (a partition used once, a file written once) stay inside it.
 */
export interface PartitionLifecycle {
  /** A new partition, from nothing to its kernel running. */
  create(kernel: DesiredKernel): StepDraft[];
  /** A partition that exists but whose kernel is not running, to running. */
  start(kernel: DesiredKernel, have: ObservedPartition): StepDraft[];
  /** A running kernel asked to power off; its partition stays. */
  stop(have: ObservedPartition, stop: StopRequest): StepDraft[];
  /** A partition stopped first if it runs, then removed, its resources back to the boot kernel. */
  remove(have: ObservedPartition, stop: StopRequest): StepDraft[];
  /** The boot kernel takes back an offline CPU that no partition owns. */
  onlineBootCpu(cpu: number): StepDraft;
  /** The boot kernel binds its driver to a device that has none and no partition holds. */
  probeBootDevice(device: string): StepDraft;
  /** The kernel operation an intent lowers to, for people. */
  describe(intent: Intent): string;
}
