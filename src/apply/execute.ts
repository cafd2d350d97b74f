import type { Machine } from '../machines/machine.js';
import type { Intent } from '../plan/intent.js';
import type { Step } from '../plan/step.js';
import type { KernelInterface } from '../interfaces/kernel-interface.js';
import { Journal } from './journal.js';
import { markRunning, markStopped, selfIdentity } from './process-identity.js';

/** What the executor tells whoever shows progress. */
export type ApplyEvent =
  | { type: 'step-start'; step: Step; index: number; total: number }
  | { type: 'step-done'; step: Step; index: number; total: number; ms: number }
  | { type: 'step-failed'; step: Step; index: number; total: number; ms: number; error: string }
  | { type: 'undo-start'; step: Step; intent: Intent }
  | { type: 'undo-done'; step: Step; intent: Intent; summary: string; ms: number }
  | { type: 'undo-failed'; step: Step; intent: Intent; error: string };

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

/**
 * An error that means this process is going away (a signal, or a test playing a kill): the
 * executor lets it through without rolling back, as a process that died would.
 */
export function isProcessExit(e: unknown): boolean {
  return e instanceof Error && (e as { processExit?: unknown }).processExit === true;
}

function newTxnId(): string {
  return `${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
}

/**
 * A step that changed the machine in a way no undo reverses: a kernel stopped or a partition
 * removed. (The other steps without an undo are covered by an earlier step's: removing the
 * partition gives back the CPUs and memory assigned after it was made; a wait changes nothing.)
 */
function irreversible(step: Step): boolean {
  return step.undo === null && (step.intent.kind === 'stop' || step.intent.kind === 'remove-partition');
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Undoes completed steps in reverse order, journaling each; returns what could not be undone. */
export async function undoSteps(machine: Machine, iface: KernelInterface, journal: Journal, txn: string, steps: Step[], onEvent?: (e: ApplyEvent) => void, wall: () => number = Date.now): Promise<string[]> {
  const errors: string[] = [];
  for (const step of [...steps].reverse()) {
    if (!step.undo) continue;
    const intent = step.undo;
    journal.append({ type: 'undo-intent', txn, step: step.id });
    onEvent?.({ type: 'undo-start', step, intent });
    const t0 = wall();
    try {
      await iface.perform(machine, intent);
      journal.append({ type: 'undone', txn, step: step.id });
      onEvent?.({ type: 'undo-done', step, intent, summary: iface.describe(intent), ms: wall() - t0 });
    } catch (e) {
      if (isProcessExit(e)) throw e;
      const error = `${iface.describe(intent)}: ${message(e)}`;
      errors.push(error);
      journal.append({ type: 'undo-failed', txn, step: step.id, error });
      onEvent?.({ type: 'undo-failed', step, intent, error });
    }
  }
  return errors;
}

/** The ids of the run of steps from `from` on that belong to the same kernel. */
function kernelRun(steps: readonly Step[], from: number): number[] {
  const ids: number[] = [];
  for (let i = from; i < steps.length && steps[i]!.kernel === steps[from]!.kernel; i++) ids.push(steps[i]!.id);
  return ids;
}

/** A failed kernel's last console lines, for the report: none when they cannot be read (that must not stop the rollback). */
function lastConsoleLines(machine: Machine, kernel: string): string[] {
  try {
    return machine.console?.(kernel).slice(-12) ?? [];
  } catch {
    return [];
  }
}

/**
 * Runs a plan's steps in order: each kernel's steps announced in the journal (fsync'd) before
 * the first of them runs, and each step's start and end recorded. On the first failure the completed steps are undone in reverse and the
 * failure is reported with the kernel's console tail.
 */
export async function executePlan(machine: Machine, iface: KernelInterface, steps: Step[], journal: Journal, options: ExecuteOptions): Promise<ApplyResult> {
  try {
    return await runSteps(machine, iface, steps, journal, options);
  } finally {
    // The end record closes the journal's file; a step that throws past the rollback does not.
    journal.close();
  }
}

async function runSteps(machine: Machine, iface: KernelInterface, steps: Step[], journal: Journal, options: ExecuteOptions): Promise<ApplyResult> {
  const txn = newTxnId();
  markRunning(txn);
  try {
    return await runTransaction(machine, iface, steps, journal, options, txn);
  } finally {
    markStopped(txn);
  }
}

async function runTransaction(machine: Machine, iface: KernelInterface, steps: Step[], journal: Journal, options: ExecuteOptions, txn: string): Promise<ApplyResult> {
  const wall = options.wallClock ?? Date.now;
  journal.append({ type: 'begin', txn, at: new Date().toISOString(), command: options.command, machine: machine.description, interface: iface.name, owner: selfIdentity(), steps });
  const completed: Step[] = [];
  for (const [i, step] of steps.entries()) {
    const index = i + 1;
    // A kernel's steps are announced together, before the first of them runs (journal.ts, DURABLE).
    if (i === 0 || steps[i - 1]!.kernel !== step.kernel) journal.append({ type: 'announce', txn, steps: kernelRun(steps, i) });
    options.onEvent?.({ type: 'step-start', step, index, total: steps.length });
    journal.append({ type: 'intent', txn, step: step.id });
    const t0 = wall();
    try {
      await iface.perform(machine, step.intent);
    } catch (e) {
      if (isProcessExit(e)) throw e;
      const ms = wall() - t0;
      const error = message(e);
      journal.append({ type: 'failed', txn, step: step.id, error });
      options.onEvent?.({ type: 'step-failed', step, index, total: steps.length, ms, error });
      const consoleTail = step.kernel !== 'boot' ? lastConsoleLines(machine, step.kernel) : [];
      const undoErrors = await undoSteps(machine, iface, journal, txn, completed, options.onEvent, wall);
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
