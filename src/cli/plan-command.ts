import { Command } from 'commander';
import { hasErrors } from '../spec/diagnostic.js';
import { compareWithFirstFit } from '../plan/compare-placements.js';
import { diffLayout } from '../plan/diff.js';
import type { Plan } from '../plan/plan-types.js';
import { readPartitions } from '../topology/partitions.js';
import type { Machine } from '../machines/machine.js';
import { machineOptions, type MachineFlags } from './machine-flags.js';
import { openMachine } from './open-machine.js';
import { outputOption, printData } from './output-format.js';
import { allDiagnostics, readLayout, type LayoutInput } from './layout-input.js';
import { diagnosticsData, renderDiagnostics, summaryLine } from './validate-command.js';
import { renderBootChanges, renderCmdlines, renderPlacement, renderSteps } from './render-plan.js';
import { EXIT } from './exit-codes.js';
import { loadApplied } from './applied-layout.js';
import { stateDirOf } from './state-dir.js';
import type { CommandContext } from './command-context.js';

export interface PlannedLayout {
  input: LayoutInput;
  plan: Plan | null;
  firstFit: number | null;
}

/** Reads, checks and plans a layout against a machine; the plan is null when there are errors. */
export function planLayout(file: string, machine: Machine, stateDir: string): PlannedLayout {
  const input = readLayout(file, machine);
  const resolved = input.prepared?.resolved;
  if (!resolved || !input.spec || hasErrors(allDiagnostics(input))) return { input, plan: null, firstFit: null };
  // Kernels of the layout applied before keep their stop commands when this one removes them.
  const earlier = loadApplied(stateDir, machine.description)?.layout.spec.kernels ?? [];
  const plan = diffLayout(resolved, { topology: input.topology, partitions: readPartitions(machine.fs) }, earlier);
  return { input, plan, firstFit: compareWithFirstFit(input.spec, input.topology).firstFit };
}

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
    const planned = planLayout(file, machine, stateDirOf(opts));
    printData(opts.output, planData(machine, planned), () => renderPlanReport(machine, planned), ctx.out);
    if (!planned.plan) ctx.setExitCode(EXIT.invalid);
  });
}
