import { Command, Option } from 'commander';
import { ParkerError } from '../units/parker-error.js';
import type { Machine } from '../machines/machine.js';
import { machineOptions, type MachineFlags } from '../cli/machine-flags.js';
import { openMachine, requireChangeable } from '../service/open-machine.js';
import { outputOption } from './output-format.js';
import { planData, renderPlanReport } from './plan-command.js';
import { planLayout } from '../service/plan.js';
import { interfaceFor } from '../service/kernel-interfaces.js';
import { saveApplied } from '../service/applied-layout.js';
import { confirmHost, recoverFirst, reportResult, runTransaction } from './transaction.js';
import { stateDirOf } from '../service/state-dir.js';
import { Journal } from '../apply/journal.js';
import { EXIT } from './exit-codes.js';
import type { CommandContext } from './command-context.js';

type ApplyFlags = MachineFlags & { output: string; dryRun?: boolean; yes?: boolean };

/** Boot-kernel changes apply cannot work without: the CMA pools partitions take memory from. */
function blockingBootChanges(plan: { bootChanges: { key: string; value: string | null }[] }): string[] {
  return plan.bootChanges.filter((p) => p.key === 'parker_cma').map((p) => `${p.key}=${p.value}`);
}

export function applyCommand(ctx: CommandContext): Command {
  const command = new Command('apply')
    .description('make the machine match a layout: validate, plan, then run the steps transactionally')
    .argument('<layout>', 'layout YAML file')
    .addOption(outputOption())
    .addOption(new Option('--dry-run', 'show the plan and change nothing'))
    .addOption(new Option('-y, --yes', 'do not ask before changing a real host'))
    .addHelpText(
      'after',
      '\nExit status: 0 applied (or no changes), 1 the layout has errors or needs boot-kernel changes first,\n' +
        '5 a step failed and everything was rolled back, 2 usage, 3 the machine refused or a file is unreadable.',
    );
  for (const option of machineOptions()) command.addOption(option);
  return command.action(async (file: string, opts: ApplyFlags) => {
    let machine: Machine = openMachine(opts);
    if (!opts.dryRun) requireChangeable(machine, 'apply');
    const stateDir = stateDirOf(opts);
    if (opts.dryRun) {
      if (new Journal(stateDir).unfinished()) ctx.err('note: an unfinished apply will be rolled back first (parker recover); the plan below does not account for it\n');
    } else {
      await recoverFirst(ctx, machine, stateDir, opts.output, async () =>
        (await confirmHost(ctx, machine, opts.yes, 'recover an unfinished apply')) ? openMachine(opts, { writable: true }) : null,
      );
    }
    const planned = planLayout(file, machine, interfaceFor(machine.fs), stateDir);
    const text = opts.output === 'table';
    if (text) ctx.out(renderPlanReport(machine, planned));
    const plan = planned.plan;
    if (!plan) {
      if (!text) ctx.out(JSON.stringify(planData(machine, planned), null, 2) + '\n');
      ctx.setExitCode(EXIT.invalid);
      return;
    }
    const blocking = blockingBootChanges(plan);
    if (blocking.length) {
      throw new ParkerError(
        'E_BOOT_CHANGES',
        `the boot kernel needs ${blocking.join(' ')} on its command line before partitions can get memory`,
        machine.kind === 'sim' ? `recreate the simulated machine with it: parker sim create --cmdline "... ${blocking.join(' ')}"` : 'add it to the boot kernel command line and reboot it',
      );
    }
    const applied = () => saveApplied(stateDir, { format: 'parker.applied/v1', file, machine: machine.description, appliedAt: ctx.now().toISOString(), layout: planned.input.prepared!.resolved! });
    if (opts.dryRun || plan.steps.length === 0) {
      // A machine that already matches has this layout applied: start, stop and status use it.
      if (!opts.dryRun) applied();
      if (!text) ctx.out(JSON.stringify({ ...planData(machine, planned), applied: !opts.dryRun }, null, 2) + '\n');
      return;
    }
    if (!(await confirmHost(ctx, machine, opts.yes, `apply ${plan.steps.length} steps`))) {
      ctx.err('nothing changed\n');
      return;
    }
    if (machine.kind === 'host') machine = openMachine(opts, { writable: true });
    const result = await runTransaction(ctx, machine, stateDir, `apply ${file}`, plan.steps, opts.output);
    if (result?.outcome === 'applied') applied();
    if (!text) ctx.out(JSON.stringify({ ...planData(machine, planned), applied: result?.outcome === 'applied', result }, null, 2) + '\n');
    if (result) reportResult(ctx, result, opts.output);
    machine.close?.();
  });
}
