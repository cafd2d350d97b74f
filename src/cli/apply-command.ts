import type { Command } from 'commander';
import type { MachineFlags } from './machine-flags.js';
import { forPeople, printData } from './output-format.js';
import { applyLayout, reapplyLayout } from '../service/apply.js';
import { ParkerError } from '../units/parker-error.js';
import { renderPlanReport } from './plan-command.js';
import { renderSteps } from './render-steps.js';
import { eventPrinter, reportResult } from './transaction.js';
import { serviceContextOf } from './service-context.js';
import { commandFromSpec } from './command-from-spec.js';
import { specNamed } from './command-specs.js';
import { EXIT } from './exit-codes.js';
import { note, type CommandContext } from './command-context.js';

type ApplyFlags = MachineFlags & { output: string; dryRun?: boolean; yes?: boolean; applied?: boolean };

export function applyCommand(ctx: CommandContext): Command {
  return commandFromSpec(specNamed('apply')).action(async (file: string | undefined, opts: ApplyFlags) => {
    if (!file === !opts.applied) throw new ParkerError('E_USAGE', file ? 'give a layout file or --applied, not both' : 'missing layout: give a layout file, or --applied for the one last applied', 'parker apply LAYOUT.yaml, or parker apply --applied');
    const onEvent = eventPrinter(ctx, opts.output, (e) => (e.type === 'layout-planned' ? renderPlanReport(e.machine, e.planned) : `Machine: ${e.machine.description}\n\n${renderSteps(e.plan)}\n`), opts.dryRun ?? false);
    const service = await serviceContextOf(ctx, opts, onEvent);
    const report = file ? await applyLayout(service, file, { dryRun: opts.dryRun ?? false }) : await reapplyLayout(service, { dryRun: opts.dryRun ?? false });
    // As systemd says of a unit file changed on disk: what runs is what was applied.
    if (report.fileSinceApplied === 'changed') note(ctx, `note: ${report.file} changed since it was applied: --applied applies it as it was applied; to apply it as it is now: parker apply ${report.file}\n`);
    if (report.fileSinceApplied === 'gone') note(ctx, `note: ${report.file} cannot be read now: --applied applies the layout as it was applied from it\n`);
    if (report.unfinishedTransaction) note(ctx, 'note: an unfinished apply will be rolled back first (parker recover); the plan above does not account for it\n');
    if (report.outcome === 'declined') note(ctx, 'nothing changed\n');
    if (!forPeople(opts.output)) printData(opts.output, report, () => '', ctx.out);
    if (report.result) reportResult(ctx, report.result, opts.output);
    if (report.outcome === 'invalid') ctx.setExitCode(EXIT.invalid);
  });
}
