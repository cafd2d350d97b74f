/**
 * What a plan step means, in terms of partitions and the boot kernel, not files: create a
 * partition, give it CPUs, start it. Plain data. A kernel interface (src/interfaces/) lowers
 * each intent into the operations its kernel understands, and judges after a crash whether
 * it took effect; the journal records intents, so recovery never parses paths.
 */
export type Intent =
  | { kind: 'create-partition'; partition: string }
  | { kind: 'assign-cpus'; partition: string; cpus: number[] }
  /** `node` is where the memory comes from, for people; the kernel decides from the CPUs. */
  | { kind: 'allocate-memory'; partition: string; bytes: number; node: number | null }
  | { kind: 'hand-over-device'; partition: string; device: string }
  | { kind: 'take-back-device'; partition: string; device: string }
  /** `cmdline` may hold the interface's placeholders, filled from the partition at load time. */
  | { kind: 'load-image'; partition: string; image: string; initrd?: string; cmdline: string }
  | { kind: 'unload-image' }
  /**
   * Start its kernel. `console`: where the boot kernel reads its console (a serial device or a
   * log file), captured from before the start; `ready`: a wait-ready step follows, so the
   * machine must be able to show its console.
   */
  | { kind: 'start'; partition: string; console?: string; ready?: boolean }
  | { kind: 'wait-online'; partition: string; timeoutMs: number }
  /** Wait until its console shows `pattern` (a regular expression): online is set before drivers probe, so it does not mean booted. */
  | { kind: 'wait-ready'; partition: string; pattern: string; timeoutMs: number }
  /** Ask the kernel to power off (its command, or nothing but waiting when null) and wait until it has. */
  | { kind: 'stop'; partition: string; command: string[] | null; timeoutMs: number }
  | { kind: 'remove-partition'; partition: string }
  | { kind: 'online-boot-cpu'; cpu: number }
  | { kind: 'offline-boot-cpu'; cpu: number }
  | { kind: 'probe-boot-device'; device: string };
