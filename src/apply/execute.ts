import { ParkerError } from '../units/parker-error.js';
import { isKernelError } from '../machines/kernel-error.js';
import type { Machine, MachineClock } from '../machines/machine.js';
import type { Step, StepOp } from '../plan/step.js';
import { describeOp } from '../plan/step.js';
import { PARKER_ROOT } from '../topology/partitions.js';
import { parseSize } from '../units/size.js';
import { Journal } from './journal.js';

/** What the executor tells whoever shows progress. */
export type ApplyEvent =
  | { type: 'step-start'; step: Step; index: number; total: number }
  | { type: 'step-done'; step: Step; index: number; total: number; ms: number }
  | { type: 'step-failed'; step: Step; index: number; total: number; ms: number; error: string }
  | { type: 'undo-start'; step: Step; op: StepOp }
  | { type: 'undo-done'; step: Step; op: StepOp; ms: number }
  | { type: 'undo-failed'; step: Step; op: StepOp; error: string };

export interface ExecuteOptions {
  command: string;
  onEvent?: (event: ApplyEvent) => void;
  /** Real time, for step durations (the machine's clock may be simulated). */
  wallClock?: () => number;
}

export interface ApplyFailure {
  step: Step;
  error: string;
  /** The last console lines of the kernel the failed step was starting, when the machine can tell. */
  consoleTail: string[];
  undoErrors: string[];
  /**
   * Completed steps no undo exists for: a kernel stopped or a partition removed stays so
   * (the machine is then not as it was). Summaries, in the order they ran.
   */
  notUndone: string[];
}

export interface ApplyResult {
  txn: string;
  outcome: 'applied' | 'rolled-back';
  stepsRun: number;
  failure: ApplyFailure | null;
}

const realClock: MachineClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Thrown by fault injection to play a process killed between two operations: no rollback runs. */
export class ProcessKilled extends Error {}

function newTxnId(): string {
  return `${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
}

/** Fills the placeholders of a kexec command line from the partition's own files. */
function resolveCmdline(machine: Machine, partition: string, cmdline: string): { cmdline: string; window: { start: number; end: number } } {
  const dir = `${PARKER_ROOT}/${partition}`;
  const control = machine.fs.read(`${dir}/control_structure`).trim();
  const memory = machine.fs.read(`${dir}/memory`).trim();
  const m = /^([^@]+)@(0x[0-9a-fA-F]+)$/.exec(memory);
  if (!m) throw new ParkerError('E_APPLY', `${dir}/memory reads "${memory}": no memory allocated to load the kernel into`, 'check the memory step');
  const start = Number(m[2]);
  const size = parseSize(m[1]!);
  return {
    cmdline: cmdline.replaceAll('<control_structure>', control).replaceAll('<memmap>', `${m[1]}@${m[2]}`),
    window: { start, end: start + size - 1 },
  };
}

/** Runs one operation against the machine. */
export async function runOp(machine: Machine, op: StepOp): Promise<void> {
  const clock = machine.clock ?? realClock;
  switch (op.kind) {
    case 'mkdir':
      return machine.fs.mkdir(op.path);
    case 'rmdir':
      return machine.fs.rmdir(op.path);
    case 'write':
      return machine.fs.write(op.path, op.value);
    case 'kexec-load': {
      if (!machine.kexec) throw new ParkerError('E_APPLY', `${machine.description} cannot load kernels`, 'apply on the simulator or on a host with kexec-tools');
      const { cmdline, window } = resolveCmdline(machine, op.partition, op.cmdline);
      return machine.kexec.load({ image: op.image, cmdline, window, ...(op.initrd ? { initrd: op.initrd } : {}) });
    }
    case 'kexec-unload':
      return machine.kexec?.unload();
    case 'wait':
      return waitFor(machine, op.path, op.value, op.timeoutMs);
    case 'run': {
      if (!machine.run) throw new ParkerError('E_APPLY', `${machine.description} cannot run stop commands`, 'stop the kernel by hand');
      const t0 = clock.now();
      const result = await machine.run(op.partition, op.argv, op.timeoutMs);
      if (result.code !== 0) throw new ParkerError('E_STOP', `stop command for ${op.partition} exited ${result.code}: ${result.output.trim()}`, 'check the stop command in the layout');
      // A stop is done when the kernel has powered off: only then can its partition go. Being
      // complete on its own, it is also the whole undo of a start, even when the wait for
      // online never ran (a crash between the two).
      return waitFor(machine, `${PARKER_ROOT}/${op.partition}/online`, '0', Math.max(0, op.timeoutMs - (clock.now() - t0)));
    }
  }
}

/** Polls a file until it reads `value`; a missing partition directory reads as "0" (not online). */
async function waitFor(machine: Machine, path: string, value: string, timeoutMs: number): Promise<void> {
  const clock = machine.clock ?? realClock;
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    let now: string;
    try {
      now = machine.fs.read(path).trim();
    } catch (e) {
      if (!isKernelError(e, 'ENOENT')) throw e;
      now = '0';
    }
    if (now === value) return;
    if (clock.now() >= deadline) {
      throw new ParkerError('E_TIMEOUT', `${path} still reads ${now} after ${timeoutMs / 1000} s (waiting for ${value})`, 'see the kernel console: parker console NAME');
    }
    await clock.sleep(Math.max(1, Math.min(250, timeoutMs)));
  }
}

/**
 * A step that changed the machine in a way no undo reverses: a stop command or a partition
 * removed. (The other steps without an undo are covered by an earlier step's: the rmdir that
 * undoes a mkdir gives back the CPUs and memory written after it; a wait changes nothing.)
 */
function irreversible(step: Step): boolean {
  return step.undo === null && (step.op.kind === 'run' || step.op.kind === 'rmdir');
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Undoes completed steps in reverse order, journaling each; returns what could not be undone. */
export async function undoSteps(machine: Machine, journal: Journal, txn: string, steps: Step[], onEvent?: (e: ApplyEvent) => void, wall: () => number = Date.now): Promise<string[]> {
  const errors: string[] = [];
  for (const step of [...steps].reverse()) {
    if (!step.undo) continue;
    const op = step.undo;
    journal.append({ type: 'undo-intent', txn, step: step.id });
    onEvent?.({ type: 'undo-start', step, op });
    const t0 = wall();
    try {
      await runOp(machine, op);
      journal.append({ type: 'undone', txn, step: step.id });
      onEvent?.({ type: 'undo-done', step, op, ms: wall() - t0 });
    } catch (e) {
      if (e instanceof ProcessKilled) throw e;
      const error = `${describeOp(op)}: ${message(e)}`;
      errors.push(error);
      journal.append({ type: 'undo-failed', txn, step: step.id, error });
      onEvent?.({ type: 'undo-failed', step, op, error });
    }
  }
  return errors;
}

/**
 * Runs a plan's steps in order: each announced in the journal (fsync'd) before it runs and
 * recorded after. On the first failure the completed steps are undone in reverse and the
 * failure is reported with the kernel's console tail.
 */
export async function executePlan(machine: Machine, steps: Step[], journal: Journal, options: ExecuteOptions): Promise<ApplyResult> {
  try {
    return await runSteps(machine, steps, journal, options);
  } finally {
    // The end record closes the journal's file; a step that throws past the rollback does not.
    journal.close();
  }
}

async function runSteps(machine: Machine, steps: Step[], journal: Journal, options: ExecuteOptions): Promise<ApplyResult> {
  const txn = newTxnId();
  const wall = options.wallClock ?? Date.now;
  journal.append({ type: 'begin', txn, at: new Date().toISOString(), command: options.command, machine: machine.description, steps });
  const completed: Step[] = [];
  for (const [i, step] of steps.entries()) {
    const index = i + 1;
    options.onEvent?.({ type: 'step-start', step, index, total: steps.length });
    journal.append({ type: 'intent', txn, step: step.id });
    const t0 = wall();
    try {
      await runOp(machine, step.op);
    } catch (e) {
      if (e instanceof ProcessKilled) throw e;
      const ms = wall() - t0;
      const error = message(e);
      journal.append({ type: 'failed', txn, step: step.id, error });
      options.onEvent?.({ type: 'step-failed', step, index, total: steps.length, ms, error });
      const consoleTail = step.kernel !== 'boot' && machine.console ? machine.console(step.kernel).slice(-12) : [];
      const undoErrors = await undoSteps(machine, journal, txn, completed, options.onEvent, wall);
      journal.append({ type: 'end', txn, outcome: 'rolled-back' });
      const notUndone = completed.filter(irreversible).map((s) => s.summary);
      return { txn, outcome: 'rolled-back', stepsRun: completed.length, failure: { step, error, consoleTail, undoErrors, notUndone } };
    }
    const ms = wall() - t0;
    journal.append({ type: 'done', txn, step: step.id, ms });
    completed.push(step);
    options.onEvent?.({ type: 'step-done', step, index, total: steps.length, ms });
  }
  journal.append({ type: 'end', txn, outcome: 'applied' });
  return { txn, outcome: 'applied', stepsRun: completed.length, failure: null };
}
