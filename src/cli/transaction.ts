import { pc } from './colors.js';
import { ParkerError } from '../units/parker-error.js';
import { Journal } from '../apply/journal.js';
import { ApplyLock } from '../apply/lock.js';
import { executePlan, type ApplyResult } from '../apply/execute.js';
import { recover, type RecoveryResult } from '../apply/recover.js';
import type { Machine } from '../machines/machine.js';
import type { Step } from '../plan/step.js';
import { progressPrinter } from './progress.js';
import { EXIT } from './exit-codes.js';
import type { CommandContext } from './command-context.js';

export function describeRecovery(r: RecoveryResult): string {
  if (r.txn === null) return 'nothing to recover: the journal has no unfinished transaction';
  const lines = [`recovered the unfinished "${r.command}" (${r.txn}): rolled back ${r.undone} steps`];
  if (r.inFlightTookEffect !== null) lines.push(`the step in flight at the crash ${r.inFlightTookEffect ? 'had taken effect and was undone' : 'had not taken effect'}`);
  for (const fix of r.orphansFixed) lines.push(`orphan: ${fix}`);
  for (const error of r.errors) lines.push(pc.red(`could not undo: ${error}`));
  return lines.join('\n');
}

/**
 * Recovers what an earlier crash left open, before anything is planned: a plan made against a
 * half-applied machine would be wrong once the recovery rolls it back. On a real host this
 * changes the machine, so it needs the same confirmation as the command itself.
 */
export async function recoverFirst(ctx: CommandContext, machine: Machine, stateDir: string, output: string, confirmed: () => Promise<Machine | null>): Promise<void> {
  const open = new Journal(stateDir).unfinished();
  if (!open) return;
  const write = output === 'table' ? ctx.out : ctx.err;
  const target = machine.kind === 'host' ? await confirmed() : machine;
  if (!target) throw new ParkerError('E_CONFIRM', `an unfinished "${open.begin.command}" must be recovered first`, 'run parker recover');
  const lock = new ApplyLock(stateDir);
  lock.acquire('recover');
  try {
    write(describeRecovery(await recover(target, new Journal(stateDir))) + '\n');
  } finally {
    lock.release();
  }
}

/**
 * Runs steps as one transaction under the lock, recovering first whatever an earlier crash
 * left open (callers plan after recoverFirst; this catches a crash in between). Progress goes to stderr under -o json/yaml, so stdout stays machine-readable.
 */
export async function runTransaction(ctx: CommandContext, machine: Machine, stateDir: string, command: string, steps: Step[], output: string): Promise<ApplyResult | null> {
  const lock = new ApplyLock(stateDir);
  lock.acquire(command);
  try {
    const journal = new Journal(stateDir);
    const open = journal.unfinished();
    if (open && open.begin.machine !== machine.description) {
      throw new ParkerError('E_JOURNAL', `the journal has an unfinished "${open.begin.command}" on ${open.begin.machine}, not ${machine.description}`, `recover it first on that machine: parker recover with the same --machine`);
    }
    const write = output === 'table' ? ctx.out : ctx.err;
    if (open) write(describeRecovery(await recover(machine, journal)) + '\n');
    if (steps.length === 0) return null;
    return await executePlan(machine, steps, journal, { command, onEvent: progressPrinter(write, ctx.isTTY && output === 'table') });
  } finally {
    lock.release();
  }
}

/** Prints how a transaction ended and sets the exit status. */
export function reportResult(ctx: CommandContext, result: ApplyResult, output: string): void {
  const write = output === 'table' ? ctx.out : ctx.err;
  if (result.outcome === 'applied') {
    write(`${pc.green('done')}: ${result.stepsRun} steps\n`);
    return;
  }
  const f = result.failure!;
  write(`${pc.red('failed')} at step ${f.step.id} (${f.step.kernel}: ${f.step.summary}): ${f.error}\n`);
  if (f.notUndone.length === 0 && f.undoErrors.length === 0) write(`rolled back the ${result.stepsRun} steps before it: the machine is as it was\n`);
  else write(`rolled back what could be undone of the ${result.stepsRun} steps before it\n`);
  for (const s of f.notUndone) write(pc.yellow(`done and not undoable (a stopped or removed kernel is not brought back): ${s}\n`));
  for (const e of f.undoErrors) write(pc.red(`could not undo: ${e}\n`));
  if (f.consoleTail.length) write(`last console lines of ${f.step.kernel}:\n${f.consoleTail.map((l) => `  ${l}`).join('\n')}\n`);
  ctx.setExitCode(EXIT.rolledBack);
}

/** On a real host nothing changes without --yes or a "yes" typed after the plan was shown. */
export async function confirmHost(ctx: CommandContext, machine: Machine, yes: boolean | undefined, what: string): Promise<boolean> {
  if (machine.kind !== 'host' || yes) return true;
  if (!ctx.isTTY) throw new ParkerError('E_CONFIRM', `${what} would change ${machine.description}, and there is no terminal to confirm on`, 'read the plan, then run again with --yes');
  return ctx.confirm(`${what} on ${machine.description}?`);
}
