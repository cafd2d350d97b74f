import { ParkerError } from '../units/parker-error.js';
import { Journal } from '../apply/journal.js';
import { ApplyLock } from '../apply/lock.js';
import { executePlan, type ApplyEvent, type ApplyResult } from '../apply/execute.js';
import { recover, type RecoveryResult } from '../apply/recover.js';
import type { Machine } from '../machines/machine.js';
import type { KernelInterface } from '../interfaces/kernel-interface.js';
import type { Step } from '../plan/step.js';
import { KERNEL_INTERFACES } from './kernel-interfaces.js';
import { lockDirFor } from './state-dir.js';

/** What the service layer tells whoever shows progress (a terminal, an event stream). */
export type ServiceEvent = ApplyEvent | { type: 'recovered'; result: RecoveryResult };

/** Rolls back what a crash left open, under the lock. */
export async function recoverUnderLock(machine: Machine, stateDir: string, onEvent?: (e: ServiceEvent) => void): Promise<RecoveryResult> {
  const lock = new ApplyLock(lockDirFor(stateDir));
  lock.acquire('recover');
  try {
    const result = await recover(machine, KERNEL_INTERFACES, new Journal(stateDir), onEvent);
    onEvent?.({ type: 'recovered', result });
    return result;
  } finally {
    lock.release();
  }
}

/**
 * Recovers what an earlier crash left open, before anything is planned: a plan made against a
 * half-applied machine would be wrong once the recovery rolls it back. `confirmed` gives the
 * machine to change once the caller's policy allows it (null: not allowed).
 */
export async function recoverFirst(machine: Machine, stateDir: string, confirmed: () => Promise<Machine | null>, onEvent?: (e: ServiceEvent) => void): Promise<RecoveryResult | null> {
  const open = new Journal(stateDir).unfinished();
  if (!open) return null;
  const target = await confirmed();
  if (!target) throw new ParkerError('E_CONFIRM', `an unfinished "${open.begin.command}" must be recovered first`, 'run parker recover');
  return recoverUnderLock(target, stateDir, onEvent);
}

/**
 * Runs steps as one transaction under the lock, recovering first whatever an earlier crash
 * left open (callers plan after recoverFirst; this catches a crash in between).
 */
export async function runTransaction(machine: Machine, iface: KernelInterface, stateDir: string, command: string, steps: Step[], onEvent?: (e: ServiceEvent) => void): Promise<ApplyResult | null> {
  const lock = new ApplyLock(lockDirFor(stateDir));
  lock.acquire(command);
  try {
    const journal = new Journal(stateDir);
    const open = journal.unfinished();
    if (open && open.begin.machine !== machine.description) {
      throw new ParkerError('E_JOURNAL', `the journal has an unfinished "${open.begin.command}" on ${open.begin.machine}, not ${machine.description}`, `recover it first on that machine: parker recover with the same --machine`);
    }
    if (open) onEvent?.({ type: 'recovered', result: await recover(machine, KERNEL_INTERFACES, journal, onEvent) });
    if (steps.length === 0) return null;
    return await executePlan(machine, iface, steps, journal, { command, ...(onEvent ? { onEvent } : {}) });
  } finally {
    lock.release();
  }
}
