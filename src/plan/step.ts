/**
 * One operation of a plan: plain data, the exact file and value, why, and how it is undone.
 * Values that exist only once earlier steps ran (the control structure address, the memory
 * range) are placeholders resolved by the applier from the kernel's own files.
 */
export type StepAction = 'create' | 'change' | 'delete';

export type StepOp =
  | { kind: 'mkdir'; path: string }
  | { kind: 'rmdir'; path: string }
  | { kind: 'write'; path: string; value: string }
  /** kexec-load an image; `cmdline` may hold <control_structure> and <memmap> placeholders. */
  | { kind: 'kexec-load'; partition: string; image: string; initrd?: string; cmdline: string }
  | { kind: 'kexec-unload' }
  /** Wait until `path` reads `value`, at most `timeoutMs`. */
  | { kind: 'wait'; path: string; value: string; timeoutMs: number }
  /** Run the kernel's stop command on the boot kernel and wait until it has powered off (online reads 0). */
  | { kind: 'run'; partition: string; argv: string[]; timeoutMs: number };

export interface Step {
  /** 1-based position in the plan. */
  id: number;
  action: StepAction;
  /** The partition the step belongs to, or "boot". */
  kernel: string;
  op: StepOp;
  why: string;
  /** How to undo it; null when nothing needs undoing (a wait) or when an earlier step's undo covers it. */
  undo: StepOp | null;
  /** Text for people: "write sys/fs/parker/db/cpus = 32-47". */
  summary: string;
}

export function describeOp(op: StepOp): string {
  switch (op.kind) {
    case 'mkdir':
      return `mkdir ${op.path}`;
    case 'rmdir':
      return `rmdir ${op.path}`;
    case 'write':
      return `write ${op.path} = ${op.value}`;
    case 'kexec-load':
      return `kexec load ${op.image}${op.initrd ? ` (initrd ${op.initrd})` : ''} for ${op.partition}`;
    case 'kexec-unload':
      return 'kexec unload';
    case 'wait':
      return `wait until ${op.path} = ${op.value} (at most ${op.timeoutMs / 1000} s)`;
    case 'run':
      return `run ${op.argv.join(' ')}`;
  }
}
