import type { Command } from 'commander';
import type { Machine } from '../machines/machine.js';
import type { MachineFlags } from './machine-flags.js';
import { openMachine } from '../service/open-machine.js';
import { printData } from './output-format.js';
import { allDiagnostics } from '../service/layout-input.js';
import { planLayout, planReport, type PlannedLayout } from '../service/plan.js';
import { interfaceFor } from '../service/kernel-interfaces.js';
import { renderDiagnostics, summaryLine } from './validate-command.js';
import { renderBootChanges, renderCmdlines, renderPlacement } from './render-plan.js';
import { renderSteps } from './render-steps.js';
import { EXIT } from './exit-codes.js';
import { savePlan } from '../service/saved-plan.js';
import { plural } from '../units/plural.js';
import { stateDirOf } from '../service/state-dir.js';
import { refuseInsideStateDir } from './outside-state-dir.js';
import { commandFromSpec } from './command-from-spec.js';
import { specNamed } from './command-specs.js';
import { note, type CommandContext } from './command-context.js';

/** `plan --detailed-exitcode` when there are changes, as terraform has it. */
const CHANGES_PENDING = 2;

export function renderPlanReport(machine: Machine, planned: PlannedLayout): string {
  const { input, plan } = planned;
  const diagnostics = allDiagnostics(input);
  const parts = [`Machine: ${machine.description}`];
  if (diagnostics.length) parts.push(renderDiagnostics(diagnostics, input.loaded.locate), summaryLine(diagnostics));
  const resolved = input.prepared?.resolved;
  if (!plan || !resolved) {
    parts.push('No plan: fix the errors above first.');
    return parts.join('\n\n') + '\n';
  }
  parts.push(renderPlacement(resolved, input.topology, planned.firstFit), renderCmdlines(resolved), renderBootChanges(plan), renderSteps(plan));
  return parts.join('\n\n') + '\n';
}

export function planCommand(ctx: CommandContext): Command {
  return commandFromSpec(specNamed('plan')).action((file: string, opts: MachineFlags & { output: string; out?: string; detailedExitcode?: boolean; compare?: boolean }) => {
    const stateDir = stateDirOf(opts);
    if (opts.out !== undefined) refuseInsideStateDir(opts.out, '--out', stateDir);
    const machine = openMachine(opts);
    const planned = planLayout(file, machine, interfaceFor(machine.fs), stateDir, { compare: opts.compare === true });
    printData(opts.output, planReport(machine, planned), () => renderPlanReport(machine, planned), ctx.out);
    if (!planned.plan) {
      ctx.setExitCode(EXIT.invalid);
      return;
    }
    if (opts.out !== undefined) {
      const saved = savePlan(opts.out, machine, planned, ctx.now());
      note(ctx, `saved the plan (${plural(saved.plan.steps.length, 'step')}, machine fingerprint ${saved.fingerprint}) to ${opts.out}: apply exactly it with parker apply ${opts.out}\n`);
    }
    if (opts.detailedExitcode && planned.plan.steps.length > 0) ctx.setExitCode(CHANGES_PENDING);
  });
}
