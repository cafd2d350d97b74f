import { ParkerError } from '../units/parker-error.js';
import type { Machine } from '../machines/machine.js';
import type { KernelInterface } from '../interfaces/kernel-interface.js';
import type { Step } from '../plan/step.js';
import { completedSteps, inFlightStep, undoInFlightStep, type Journal, type Transaction } from './journal.js';
import { undoSteps, type ApplyEvent } from './execute.js';
import { undoProblem, withDerivedUndo } from './intent-check.js';
import { transactionLiveness } from './process-identity.js';
import { printable } from '../units/framed-lines.js';

export interface RecoveryResult {
  schema: 'parker.recovery/v1';
  /** The transaction recovered, or null when the journal had nothing open. */
  txn: string | null;
  command: string | null;
  undone: number;
  /** Whether the step in flight at the crash had taken effect (and was undone). */
  inFlightTookEffect: boolean | null;
  orphansFixed: string[];
  errors: string[];
}

export const NOTHING_RECOVERED: RecoveryResult = { schema: 'parker.recovery/v1', txn: null, command: null, undone: 0, inFlightTookEffect: null, orphansFixed: [], errors: [] };

/** The interface a transaction was written with; a journal of an interface this parker lacks is refused. */
export function interfaceOf(t: Transaction, interfaces: readonly KernelInterface[]): KernelInterface {
  // Journals written before intents were recorded have no interface: they were Parker's.
  const name = t.begin.interface ?? 'parker';
  const iface = interfaces.find((i) => i.name === name);
  if (!iface) throw new ParkerError('E_JOURNAL', `the unfinished "${t.begin.command}" (${t.txn}) was written for the ${name} interface, which this parker does not know`, 'recover it with the parker version that wrote it');
  return iface;
}

/**
 * Refuses to touch a transaction whose owner may still be running it: the lock file can be
 * removed by hand while an apply runs, so holding the lock proves nothing about the journal.
 * The owner (pid, its start time, the host and the boot) must be proved dead.
 */
export function requireOwnerDead(t: Transaction): void {
  const owner = t.begin.owner;
  if (!owner) return; // written before owners were recorded: the lock was the only proof
  const state = transactionLiveness(owner, t.txn);
  if (state === 'dead') return;
  throw new ParkerError(
    'E_LOCKED',
    `the unfinished "${printable(t.begin.command)}" (${printable(t.txn, 60)}) is still being run by pid ${owner.pid} on ${printable(owner.hostname, 80)}, since ${printable(t.begin.at, 40)}`,
    state === 'alive'
      ? 'wait for it to finish: it is not a crash, and parker recovers a transaction only once the process running it has ended'
      : `wait for it to finish: a transaction run from ${printable(owner.hostname, 80)} is recovered only by parker on that host, once its process has ended`,
  );
}

/**
 * After a crash: reads the open transaction and asks the kernel interface what took effect,
 * undoes what was done (the step in flight too, when it took effect) in reverse, then sweeps
 * orphans. Rolling back is always possible and never guesses the user's intent; the next
 * apply redoes the rest. Nothing here knows a kernel file.
 */
export async function recover(machine: Machine, interfaces: readonly KernelInterface[], journal: Journal, onEvent?: (e: ApplyEvent) => void): Promise<RecoveryResult> {
  const t = journal.unfinished();
  if (!t) return NOTHING_RECOVERED;
  if (t.begin.machine !== machine.description) {
    throw new ParkerError('E_JOURNAL', `the journal's unfinished "${t.begin.command}" (${t.txn}) ran on ${t.begin.machine}, not ${machine.description}`, 'recover it on that machine (the same --machine and --state-dir)');
  }
  requireOwnerDead(t);
  for (const step of t.begin.steps) {
    const problem = undoProblem(step);
    if (problem) {
      throw new ParkerError('E_STATE_CORRUPT', `the journal ${journal.file} is damaged: ${problem} (transaction ${printable(t.txn, 60)})`, `nothing was changed: recovery does not run an undo it cannot derive. See the machine with parker status, then move the journal aside (mv ${journal.file} ${journal.file}.damaged)`);
    }
  }
  const iface = interfaceOf(t, interfaces);
  // Each undo re-derived from its step's intent (the journal reader checked both): a journal
  // edited to undo a step with something else is refused there, never run.
  const byId = new Map(t.begin.steps.map((s) => [s.id, withDerivedUndo(s)]));
  const toUndo: Step[] = completedSteps(t).map((id) => byId.get(id)!);
  const inFlight = inFlightStep(t);
  let inFlightTookEffect: boolean | null = null;
  if (inFlight !== null) {
    const step = byId.get(inFlight)!;
    inFlightTookEffect = iface.tookEffect(machine, step.intent);
    if (inFlightTookEffect) toUndo.push(step);
  }
  // An undo whose effect is already there is not run again: the one running when a rollback
  // was cut short, or all of them when the machine was reset since (a second removal would
  // fail on what is already gone).
  const pending = toUndo.filter((s) => s.undo !== null && !iface.tookEffect(machine, s.undo));
  const undoing = undoInFlightStep(t);
  if (undoing !== null && !pending.some((s) => s.id === undoing)) journal.append({ type: 'undone', txn: t.txn, step: undoing });
  const errors = await undoSteps(machine, iface, journal, t.txn, pending, onEvent);
  const orphansFixed = iface.sweepOrphans(machine, t.begin.steps.map((s) => s.intent));
  journal.append({ type: 'end', txn: t.txn, outcome: 'recovered' });
  return { schema: 'parker.recovery/v1', txn: t.txn, command: t.begin.command, undone: pending.length, inFlightTookEffect, orphansFixed, errors };
}
