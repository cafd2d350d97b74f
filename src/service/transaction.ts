import { ParkerError } from '../units/parker-error.js';
import { Journal } from '../apply/journal.js';
import { ApplyLock } from '../apply/lock.js';
import { executePlan, type ApplyResult } from '../apply/execute.js';
import { recover, requireOwnerDead, type RecoveryResult } from '../apply/recover.js';
import type { Machine } from '../machines/machine.js';
import type { Step } from '../plan/step.js';
import { KERNEL_INTERFACES, interfaceFor } from './kernel-interfaces.js';
import type { ServiceContext } from './service-context.js';
import type { ServiceEvent } from './events.js';
import { lockDirFor } from './state-dir.js';
import { requireChangeable } from './require-changeable.js';

/**
 * Runs `work` holding the state directory's lock. Everything that changes a machine reads the
 * machine, plans and runs inside it, so no plan is made against a machine another parker is
 * changing.
 */
export async function withLock<T>(stateDir: string, command: string, work: () => Promise<T>): Promise<T> {
  const lock = new ApplyLock(lockDirFor(stateDir));
  lock.acquire(command);
  try {
    return await work();
  } finally {
    lock.release();
  }
}

/** withLock for work that does not wait: the simulator's own controls (`sim create`, `reset`, `inject`). */
export function withLockSync<T>(stateDir: string, command: string, work: () => T): T {
  const lock = new ApplyLock(lockDirFor(stateDir));
  lock.acquire(command);
  try {
    return work();
  } finally {
    lock.release();
  }
}

/**
 * Runs `work` holding the lock, on the machine opened once the lock is held: a machine read
 * before the lock may be changed by another parker before this one plans against it. A machine
 * that can only be described is refused (E_USAGE) before anything else.
 */
export function withLockedMachine<T>(ctx: ServiceContext, lockCommand: string, command: string, work: (machine: Machine) => Promise<T>): Promise<T> {
  return withLock(ctx.stateDir, lockCommand, async () => {
    const machine = ctx.open();
    try {
      requireChangeable(machine, command);
    } catch (e) {
      machine.close?.();
      throw e;
    }
    return work(machine);
  });
}

/** Rolls back an unfinished transaction; the caller holds the lock. */
async function recoverHeld(machine: Machine, stateDir: string, onEvent?: (e: ServiceEvent) => void): Promise<RecoveryResult> {
  const result = await recover(machine, KERNEL_INTERFACES, new Journal(stateDir), onEvent);
  onEvent?.({ type: 'recovered', result });
  return result;
}

/**
 * Rolls back what a crash left open, under the lock (`parker recover`). `machine` may be a
 * function that opens it, called once the lock is held, so recovery reads the machine as it is.
 */
export function recoverUnderLock(machine: Machine | (() => Machine), stateDir: string, onEvent?: (e: ServiceEvent) => void): Promise<RecoveryResult> {
  return withLock(stateDir, 'recover', async () => {
    const target = typeof machine === 'function' ? machine() : machine;
    try {
      return await recoverHeld(target, stateDir, onEvent);
    } finally {
      target.close?.();
    }
  });
}

/** The machine to change, once the policy allows `action` on it; null when it does not. */
export async function changeable(ctx: ServiceContext, machine: Machine, action: string): Promise<Machine | null> {
  if (!(await ctx.confirm({ action, machine }))) return null;
  return machine.kind === 'host' ? ctx.open({ writable: true }) : machine;
}

/**
 * Recovers what an earlier crash left open before anything is planned (a plan made against a
 * half-applied machine would be wrong once the recovery rolls it back). The caller holds the
 * lock. Returns the machine to go on with.
 */
export async function recoverOpenFirst(ctx: ServiceContext, machine: Machine): Promise<{ machine: Machine; recovery: RecoveryResult | null }> {
  const open = new Journal(ctx.stateDir).unfinished();
  if (!open) return { machine, recovery: null };
  if (open.begin.machine !== machine.description) {
    throw new ParkerError('E_JOURNAL', `the journal has an unfinished "${open.begin.command}" on ${open.begin.machine}, not ${machine.description}`, 'recover it first on that machine: parker recover with the same --machine');
  }
  // A transaction another parker is still running is not a crash: refused before anything is asked.
  requireOwnerDead(open);
  const target = await changeable(ctx, machine, 'recover an unfinished apply');
  if (!target) throw new ParkerError('E_CONFIRM', `an unfinished "${open.begin.command}" must be recovered first`, 'run parker recover');
  return { machine: target, recovery: await recoverHeld(target, ctx.stateDir, ctx.onEvent) };
}

/**
 * Refuses to go on when the lock this process took is no longer its own (removed by hand
 * while it planned or awaited confirmation): another parker may be changing the machine.
 */
export function requireLockHeld(stateDir: string, command: string): void {
  const lock = new ApplyLock(lockDirFor(stateDir));
  const holder = lock.holderOrNull();
  if (holder && holder.pid === process.pid && holder.command === command) return;
  throw new ParkerError(
    'E_LOCKED',
    `the lock ${lock.file} was taken away while "${command}" held it${holder ? ` (it now names pid ${holder.pid} on ${holder.hostname}, running "${holder.command}")` : ''}`,
    'nothing was changed; run the command again once no other parker runs',
  );
}

/** Runs steps as one transaction; the caller holds the lock and has recovered first. */
export function runSteps(machine: Machine, stateDir: string, command: string, steps: Step[], onEvent?: (e: ServiceEvent) => void): Promise<ApplyResult> {
  requireLockHeld(stateDir, command);
  return executePlan(machine, interfaceFor(machine.fs), steps, new Journal(stateDir), { command, ...(onEvent ? { onEvent } : {}) });
}
