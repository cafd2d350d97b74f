import type { Command } from 'commander';
import { ParkerError } from '../units/parker-error.js';
import { destroyPartitions, recoverMachine, startKernel, stopKernel, type LifecycleReport } from '../service/lifecycle.js';
import type { MachineFlags } from './machine-flags.js';
import { forPeople, printData } from './output-format.js';
import { describeRecovery, eventPrinter, reportResult } from './transaction.js';
import { serviceContextOf } from './service-context.js';
import { renderSteps } from './render-steps.js';
import { commandFromSpec } from './command-from-spec.js';
import { specNamed } from './command-specs.js';
import { note, type CommandContext } from './command-context.js';
import type { ServiceContext } from '../service/service-context.js';

type Flags = MachineFlags & { output: string; yes?: boolean; all?: boolean };

/** The service context of a lifecycle command: its plan is printed before it is confirmed. */
function contextOf(ctx: CommandContext, opts: Flags): Promise<ServiceContext> {
  return serviceContextOf(ctx, opts, eventPrinter(ctx, opts.output, (e) => (e.type === 'steps-planned' ? renderSteps(e.plan) + '\n' : '')));
}

function render(ctx: CommandContext, opts: Flags, report: LifecycleReport, name?: string): void {
  if (!forPeople(opts.output)) printData(opts.output, report, () => '', ctx.out);
  // Success lines, which --quiet leaves out (the exit status says it; JSON has the outcome).
  else if (!ctx.quiet && report.outcome === 'nothing-to-do') ctx.out(`${report.action}: nothing to do\n`);
  else if (!ctx.quiet && report.outcome === 'not-running') ctx.out(`${name} is not running\n`);
  if (report.outcome === 'declined') note(ctx, 'nothing changed\n');
  if (report.result) reportResult(ctx, report.result, opts.output);
}

export function startCommand(ctx: CommandContext): Command {
  return commandFromSpec(specNamed('start')).action(async (name: string, opts: Flags) => render(ctx, opts, await startKernel(await contextOf(ctx, opts), name), name));
}

export function stopCommand(ctx: CommandContext): Command {
  return commandFromSpec(specNamed('stop')).action(async (name: string, opts: Flags) => render(ctx, opts, await stopKernel(await contextOf(ctx, opts), name), name));
}

export function destroyCommand(ctx: CommandContext): Command {
  return commandFromSpec(specNamed('destroy')).action(async (name: string | undefined, opts: Flags) => {
    if (!name === !opts.all) throw new ParkerError('E_USAGE', name ? `give a partition's name (${name}) or --all, not both` : 'name one partition or give --all', 'parker destroy NAME, or parker destroy --all');
    render(ctx, opts, await destroyPartitions(await contextOf(ctx, opts), name ? { name } : { all: true }), name);
  });
}

export function recoverCommand(ctx: CommandContext): Command {
  return commandFromSpec(specNamed('recover')).action(async (opts: Flags) => {
    // The report says what was undone; no step-by-step progress.
    const report = await recoverMachine(await serviceContextOf(ctx, opts));
    printData(opts.output, report, () => describeRecovery(report) + '\n', ctx.out);
  });
}
