import { Command } from 'commander';
import type { Machine } from '../machines/machine.js';
import { machineOptions, type MachineFlags } from '../cli/machine-flags.js';
import { openMachine } from '../service/open-machine.js';
import { outputOption, printData } from './output-format.js';
import { allDiagnostics } from '../service/layout-input.js';
import { planLayout, type PlannedLayout } from '../service/plan.js';
import { interfaceFor } from '../service/kernel-interfaces.js';
import { diagnosticsData, renderDiagnostics, summaryLine } from './validate-command.js';
import { renderBootChanges, renderCmdlines, renderPlacement, renderSteps } from './render-plan.js';
import { EXIT } from './exit-codes.js';
import { stateDirOf } from '../service/state-dir.js';
import type { CommandContext } from './command-context.js';

export function planData(machine: Machine, planned: PlannedLayout) {
  const { input, plan } = planned;
  const resolved = input.prepared?.resolved ?? null;
  return {
    schema: 'parker.plan-report/v1',
    file: input.file,
    machine: machine.description,
    diagnostics: diagnosticsData(allDiagnostics(input), input.loaded.locate),
    placement: resolved?.placement ?? null,
    firstFitScore: planned.firstFit,
    cmdlines: resolved?.cmdlines ?? null,
    boot: resolved?.boot ?? null,
    plan,
  };
}

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
  const command = new Command('plan')
    .description('show the placement, command lines, boot-kernel changes and ordered steps that would make the machine match a layout')
    .argument('<layout>', 'layout YAML file')
    .addOption(outputOption())
    .addHelpText('after', '\nExit status: 0 a plan (or no changes), 1 the layout has errors, 2 usage, 3 unreadable file.');
  for (const option of machineOptions()) command.addOption(option);
  return command.action((file: string, opts: MachineFlags & { output: string }) => {
    const machine = openMachine(opts);
    const planned = planLayout(file, machine, interfaceFor(machine.fs), stateDirOf(opts));
    printData(opts.output, planData(machine, planned), () => renderPlanReport(machine, planned), ctx.out);
    if (!planned.plan) ctx.setExitCode(EXIT.invalid);
  });
}
