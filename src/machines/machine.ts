import type { Errno } from './kernel-error.js';

/**
 * The seam between parker's engine and a machine. Paths are relative to the machine root and
 * keep their top directory: "sys/devices/system/cpu/online", "proc/iomem". Every call is
 * synchronous because kernel files are: a write to a sysfs file returns once the kernel is
 * done (or has refused with an errno).
 */
export interface KernelFs {
  /** The file's text (sysfs files end in a newline; callers trim). Throws KernelError. */
  read(path: string): string;
  /** The file's bytes (PCI config space). Throws KernelError. */
  readBytes(path: string): Uint8Array;
  /** Writes one value, as `echo VALUE > path` would. Throws KernelError with the kernel's errno. */
  write(path: string, value: string): void;
  mkdir(path: string): void;
  rmdir(path: string): void;
  /** Entry names of a directory, sorted. Throws KernelError (ENOENT, ENOTDIR). */
  list(path: string): string[];
  /** Whether the path exists (a dangling link does not). */
  exists(path: string): boolean;
  /** The target of a symbolic link as stored ("../../../bus/pci/drivers/nvme"), or null. */
  readlink(path: string): string | null;
  /** Whether the path is a directory (following links). */
  isDirectory(path: string): boolean;
}

/** Where a machine's description came from; every output names it. */
export type MachineKind = 'sim' | 'host' | 'root' | 'archive' | 'synthetic' | 'lab';

export interface KexecLoad {
  image: string;
  initrd?: string;
  cmdline: string;
  /** Physical window the image must land in (kexec-tools --mem-min/--mem-max). */
  window?: { start: number; end: number };
}

/** One piece of a loaded kexec image where it will lie in physical memory (kexec_load's `mem`, `memsz`). */
export interface KexecSegment {
  start: number;
  /** Inclusive. */
  end: number;
}

export interface Kexec {
  load(request: KexecLoad): Promise<void>;
  unload(): Promise<void>;
  loaded(): boolean;
  /**
   * Where the segments of the loaded image lie (purgatory, setup data, kernel, initrd), as the
   * load reported them; null when nothing is loaded or the machine cannot tell. A Parker start
   * refuses an image it cannot place inside the partition.
   */
  segments(): KexecSegment[] | null;
}

export interface Machine {
  readonly kind: MachineKind;
  /** One line that says which machine this is ("simulated default server", "host /"). */
  readonly description: string;
  readonly fs: KernelFs;
  /** Absent on machines that cannot load kernels (snapshots, synthetic descriptions). */
  readonly kexec?: Kexec;
  /** Lines an application kernel printed, where the machine can tell. */
  console?(partition: string): string[];
  /**
   * What the kernel printed after `cursor` (since its start when null), and where the next
   * look goes on: for followers (console --follow, the daemon's events), which so read each byte
   * once however long the console grows, where `console()` reads it all again. Whole lines only
   * unless `flush` (the kernel has stopped): a line still being printed waits for its end. A
   * console begun again (the kernel started anew, its log replaced) is read from its start.
   * Present wherever `console` is.
   */
  consoleSince?(partition: string, cursor: ConsoleCursor | null, flush: boolean): { lines: string[]; cursor: ConsoleCursor };
  /** Architecture when known ("x86_64"); snapshots record it. */
  readonly arch?: string;
  /**
   * Runs a kernel's stop command on the boot kernel (Parker has no stop file: the command asks
   * the application kernel to power off). Absent on machines that cannot run anything.
   */
  run?(partition: string, argv: string[], timeoutMs: number): Promise<RunResult>;
  /** The machine's clock: real time on a host, simulated time in the simulator. */
  readonly clock?: MachineClock;
  /** Whether the clock is simulated (status then says so). */
  readonly simulatedClock?: boolean;

  // Capabilities: present only where the machine can tell. Callers ask for the capability,
  // never for the kind of machine.
  /** What happened to the machine as a whole (hazard consequences), oldest first. */
  events?(): MachineEvent[];
  /**
   * A partition's state beyond online/offline ("hung", "halted", "starting"), and when it came
   * online. "created" means its kernel was never started. A host says "starting" while a start
   * write is in flight, without touching the kernel's files.
   */
  partitionState?(partition: string): PartitionState | null;
  /**
   * Whether the partition's kernel has been started since the partition was made (Parker
   * partitions are single-use); null when the machine cannot tell.
   */
  startedBefore?(partition: string): boolean | null;
  /**
   * Starts capturing an application kernel's console from `source` (a serial device cabled to
   * its console port, or a file something else appends it to), before its start: `console()`
   * then shows what it printed since. Present on machines that must be told where a console is.
   */
  watchConsole?(partition: string, source: string): void;
  /** Set once the whole machine has gone down (an H10 reset, a crash): nothing runs any more. */
  crashed?(): { at: number; reason: string } | null;
  /** Lets go of what the machine holds open (the simulator's log). */
  close?(): void;
  /**
   * A file as this machine's kexec would load it (a kernel image, an initrd): its size, and its
   * bytes when `read` (at most `maxBytes`); null when there is no such file. Throws E_TOO_BIG for
   * a file that is not regular or is over `maxBytes`, and Node's error when it cannot be read.
   * Present on machines that can load kernels, so that validate checks what apply will load.
   */
  bootFile?(path: string, options: { maxBytes: number; read: boolean }): BootFile | null;
}

/** Where a follower of a console has read to; only the machine that gave it reads it. */
export type ConsoleCursor =
  | { readonly of: 'sim'; readonly machine: string; readonly partition: number; readonly line: number }
  | { readonly of: 'host'; readonly console: string; readonly ino: number; readonly at: number };

export interface BootFile {
  size: number;
  bytes: Uint8Array | null;
}

export interface MachineEvent {
  /** Milliseconds on the machine's clock. */
  at: number;
  severity: 'info' | 'warning' | 'error';
  hazard?: string;
  kernel?: string;
  message: string;
}

export interface PartitionState {
  state: string;
  /** What went wrong, when the state is a failure ("start-failed"). */
  reason?: string;
  /** Clock time it came online, or null. */
  onlineAt: number | null;
  /** How long its boot took, from the start write to online, when the machine knows (the simulator); else absent. */
  bootMs?: number | null;
}

export interface RunResult {
  code: number;
  output: string;
}

export interface MachineClock {
  /** Milliseconds since an arbitrary start. */
  now(): number;
  /** Lets `ms` pass (the simulator advances its clock instead of sleeping). */
  sleep(ms: number): Promise<void>;
}

export type { Errno };
