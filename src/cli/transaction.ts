import { pc } from './colors.js';
import { ParkerError } from '../units/parker-error.js';
import type { ApplyResult } from '../apply/execute.js';
import type { RecoveryResult } from '../apply/recover.js';
import { recoverFirst as serviceRecoverFirst, runTransaction as serviceRunTransaction, type ServiceEvent } from '../service/transaction.js';
import { interfaceFor } from '../service/kernel-interfaces.js';
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

/** Prints service events: step progress, and a recovery when one ran first. */
export function eventPrinter(ctx: CommandContext, output: string): (e: ServiceEvent) => void {
  const write = output === 'table' ? ctx.out : ctx.err;
  const progress = progressPrinter(write, ctx.isTTY && output === 'table');
  return (e) => (e.type === 'recovered' ? write(describeRecovery(e.result) + '\n') : progress(e));
}

/** recoverFirst of the service, with the confirmation asked on a terminal. */
export async function recoverFirst(ctx: CommandContext, machine: Machine, stateDir: string, output: string, confirmed: () => Promise<Machine | null>): Promise<void> {
  await serviceRecoverFirst(machine, stateDir, async () => (machine.kind === 'host' ? confirmed() : machine), eventPrinter(ctx, output));
}

/** runTransaction of the service, printing progress. Progress goes to stderr under -o json/yaml, so stdout stays machine-readable. */
export function runTransaction(ctx: CommandContext, machine: Machine, stateDir: string, command: string, steps: Step[], output: string): Promise<ApplyResult | null> {
  return serviceRunTransaction(machine, interfaceFor(machine.fs), stateDir, command, steps, eventPrinter(ctx, output));
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
