import { pc } from './colors.js';
import { plural } from '../units/plural.js';
import type { ApplyResult } from '../apply/execute.js';
import type { RecoveryResult } from '../apply/recover.js';
import type { ServiceEvent } from '../service/events.js';
import { progressPrinter } from './progress.js';
import { forPeople } from './output-format.js';
import { EXIT } from './exit-codes.js';
import type { CommandContext } from './command-context.js';

export function describeRecovery(r: RecoveryResult): string {
  if (r.txn === null) return 'nothing to recover: the journal has no unfinished transaction';
  const lines = [`recovered the unfinished "${r.command}" (${r.txn}): rolled back ${plural(r.undone, 'step')}`];
  if (r.inFlightTookEffect !== null) lines.push(`the step in flight at the crash ${r.inFlightTookEffect ? 'had taken effect and was undone' : 'had not taken effect'}`);
  for (const fix of r.orphansFixed) lines.push(`orphan: ${fix}`);
  for (const error of r.errors) lines.push(pc.red(`could not undo: ${error}`));
  return lines.join('\n');
}

/** Where people read progress: stdout for tables, stderr under -o json/yaml so stdout stays machine-readable. */
export function progressStream(ctx: CommandContext, output: string): (text: string) => void {
  if (ctx.quiet) return () => undefined;
  return forPeople(output) ? ctx.out : ctx.err;
}

/**
 * Prints service events: step progress, and a recovery when one ran first. `plans` prints a
 * plan announced before it is confirmed (tables only; under --quiet too when `planIsTheData`,
 * as for a dry run, whose plan is all it prints).
 */
export function eventPrinter(ctx: CommandContext, output: string, plans?: (e: Extract<ServiceEvent, { type: 'layout-planned' | 'steps-planned' }>) => string, planIsTheData = false): (e: ServiceEvent) => void {
  const write = progressStream(ctx, output);
  let simulated = false;
  const progress = progressPrinter(write, ctx.isTTY && forPeople(output), ctx.verbose ?? false, () => simulated);
  return (e) => {
    if (e.type === 'layout-planned' || e.type === 'steps-planned') simulated = e.machine.simulatedClock === true;
    if (e.type === 'recovered') write(describeRecovery(e.result) + '\n');
    else if (e.type === 'layout-planned' || e.type === 'steps-planned') {
      if (plans && forPeople(output) && (!ctx.quiet || planIsTheData)) ctx.out(plans(e));
    } else progress(e);
  };
}

/** Prints how a transaction ended and sets the exit status. */
export function reportResult(ctx: CommandContext, result: ApplyResult, output: string): void {
  // A failure is reported under --quiet too.
  const write = result.outcome === 'applied' ? progressStream(ctx, output) : forPeople(output) ? ctx.out : ctx.err;
  if (result.outcome === 'applied') {
    write(`${pc.green('done')}: ${plural(result.stepsRun, 'step')}\n`);
    return;
  }
  const f = result.failure!;
  write(`${pc.red('failed')} at step ${f.step.id} (${f.step.kernel}: ${f.step.summary}): ${f.error}\n`);
  if (f.notUndone.length === 0 && f.undoErrors.length === 0) write(`rolled back ${result.stepsRun === 1 ? 'the step' : `the ${plural(result.stepsRun, 'step')}`} before it: the machine is as it was\n`);
  else write(`rolled back what could be undone of the ${plural(result.stepsRun, 'step')} before it\n`);
  for (const s of f.notUndone) write(pc.yellow(`done and not undoable (a stopped or removed kernel is not brought back): ${s}\n`));
  for (const e of f.undoErrors) write(pc.red(`could not undo: ${e}\n`));
  if (f.consoleTail.length) write(`last console lines of ${f.step.kernel}:\n${f.consoleTail.map((l) => `  ${l}`).join('\n')}\n`);
  ctx.setExitCode(EXIT.rolledBack);
}
