import type { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { physicalPath } from '../machines/user-file.js';
import { ParkerError } from '../units/parker-error.js';
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

/** Whether `file` is in `dir`, as the filesystem finds them (links followed as far as they exist). */
function isInside(file: string, dir: string): boolean {
  const real = (p: string): string => {
    try {
      return fs.realpathSync.native(p);
    } catch {
      const up = path.dirname(p);
      return up === p ? p : path.join(real(up), path.basename(p));
    }
  };
  // The file's own name is not followed: a link there is replaced, not written through.
  const where = physicalPath(file, '--out');
  const root = real(dir);
  return where === root || where.startsWith(root + path.sep);
}

export function planCommand(ctx: CommandContext): Command {
  return commandFromSpec(specNamed('plan')).action((file: string, opts: MachineFlags & { output: string; out?: string; detailedExitcode?: boolean; compare?: boolean }) => {
    const stateDir = stateDirOf(opts);
    // parker's own files are not a place for a plan: it would overwrite the journal or the layout applied.
    if (opts.out !== undefined && isInside(opts.out, stateDir)) {
      throw new ParkerError('E_USAGE', `--out ${opts.out} is inside the state directory ${stateDir}`, 'save the plan elsewhere');
    }
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
