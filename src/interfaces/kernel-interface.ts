import type { KernelFs, Machine } from '../machines/machine.js';
import type { Intent } from '../plan/intent.js';
import type { CmdlineTerms } from '../plan/cmdline-terms.js';
import type { PartitionLifecycle } from '../plan/lifecycle.js';
import type { ObservedPartition } from '../plan/observed.js';
import type { Rule } from '../validate/rule.js';

/**
 * The seam between parker and one kernel's partitioning interface (Parker's /sys/fs/parker
 * today; Multikernel's device-tree overlays could be another). Plan, apply and recover speak
 * only in intents and call these; everything about the kernel's files, their formats and the
 * order its rules demand lives behind it. docs/architecture.md, "The kernel-interface seam",
 * is the contract in prose.
 */
export interface KernelInterface extends PartitionLifecycle {
  /** Stable name, recorded in the journal so recovery uses the interface that wrote it. */
  readonly name: string;
  /** Whether the machine's kernel offers this interface now (its control filesystem is there). */
  present(fs: KernelFs): boolean;
  /** The partitions the machine runs, as its kernel shows them. Reads only. */
  readPartitions(fs: KernelFs): ObservedPartition[];
  /** Parameters the interface puts on every application kernel's command line. */
  readonly cmdline: CmdlineTerms;
  /** Validation rules that are the interface's own (its limits), run after the common ones. */
  readonly rules: readonly Rule[];
  /**
   * Boot-kernel parameters without which no partition can be made (Parker: `parker_cma`, the
   * pools partitions take memory from): apply refuses a plan whose boot changes name one.
   */
  readonly bootParametersRequired: readonly string[];
  /**
   * Steps to add when a destroy leaves no partition, after its own (Parker: unload the kexec
   * image, which points into memory that went back to the pool). Empty when there is nothing.
   */
  afterLastPartition(machine: Machine): { intent: Intent; why: string }[];
  /** Carries an intent out on the machine. Throws KernelError or ParkerError. */
  perform(machine: Machine, intent: Intent): Promise<void>;
  /** After a crash: whether an intent that was in flight took effect, judged from the kernel's files. */
  tookEffect(machine: Machine, intent: Intent): boolean;
  /**
   * After a crash: CPUs and devices that the transaction's intents gave away and that no
   * partition holds now, returned to the boot kernel. One line per fix.
   */
  sweepOrphans(machine: Machine, intents: readonly Intent[]): string[];
}
