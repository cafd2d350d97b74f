import { Command, Option } from 'commander';
import { ParkerError } from '../units/parker-error.js';
import { diffLayout, stopPlan } from '../plan/diff.js';
import type { Plan } from '../plan/plan-types.js';
import type { ResolvedLayout } from '../plan/resolved-layout.js';
import type { ObservedPartition } from '../plan/observed.js';
import { interfaceFor } from '../service/kernel-interfaces.js';
import type { Machine } from '../machines/machine.js';
import { recoverUnderLock } from '../service/transaction.js';
import { machineOptions, type MachineFlags } from '../cli/machine-flags.js';
import { openMachine, requireChangeable } from '../service/open-machine.js';
import { outputOption } from './output-format.js';
import { loadApplied } from '../service/applied-layout.js';
import { machineTopology } from '../service/layout-input.js';
import { confirmHost, describeRecovery, recoverFirst, reportResult, runTransaction } from './transaction.js';
import { stateDirOf } from '../service/state-dir.js';
import { renderSteps } from './render-plan.js';
import type { CommandContext } from './command-context.js';

const LIFECYCLE_EXIT = '\nExit status: 0 done (or nothing to do), 2 usage or unknown name, 3 the machine refused,\n5 a step failed and the steps before it were undone.';

type Flags = MachineFlags & { output: string; yes?: boolean; all?: boolean };

function withMachineOptions(command: Command): Command {
  for (const option of machineOptions()) command.addOption(option);
  return command.addOption(outputOption()).addOption(new Option('-y, --yes', 'do not ask before changing a real host'));
}

function appliedLayout(stateDir: string, machine: Machine): ResolvedLayout {
  const applied = loadApplied(stateDir, machine.description);
  if (!applied) throw new ParkerError('E_NO_LAYOUT', `no layout has been applied to ${machine.description}`, 'apply one first: parker apply LAYOUT.yaml');
  return applied.layout;
}

function partitionNamed(machine: Machine, name: string): ObservedPartition | undefined {
  return interfaceFor(machine.fs).readPartitions(machine.fs).find((p) => p.name === name);
}

/** What a crash left open is rolled back before the command looks at the machine. */
function recoverBefore(ctx: CommandContext, machine: Machine, opts: Flags, command: string): Promise<void> {
  requireChangeable(machine, command);
  return recoverFirst(ctx, machine, stateDirOf(opts), opts.output, async () => ((await confirmHost(ctx, machine, opts.yes, 'recover an unfinished apply')) ? openMachine(opts, { writable: true }) : null));
}

/** Runs a lifecycle plan (start, stop, destroy) the way apply runs a layout's. */
async function runPlan(ctx: CommandContext, machine: Machine, opts: Flags, what: string, plan: Plan): Promise<void> {
  if (plan.steps.length === 0) {
    ctx.out(`${what}: nothing to do\n`);
    return;
  }
  if (opts.output === 'table') ctx.out(renderSteps(plan) + '\n');
  if (!(await confirmHost(ctx, machine, opts.yes, what))) return;
  const writable = machine.kind === 'host' ? openMachine(opts, { writable: true }) : machine;
  const result = await runTransaction(ctx, writable, stateDirOf(opts), what, plan.steps, opts.output);
  if (opts.output !== 'table') ctx.out(JSON.stringify({ plan, result }, null, 2) + '\n');
  if (result) reportResult(ctx, result, opts.output);
}

export function startCommand(ctx: CommandContext): Command {
  return withMachineOptions(
    new Command('start').description('start an application kernel of the applied layout (creating its partition if needed)').argument('<name>', 'kernel name').addHelpText('after', LIFECYCLE_EXIT),
  ).action(
    async (name: string, opts: Flags) => {
      const machine = openMachine(opts);
      await recoverBefore(ctx, machine, opts, 'start');
      const layout = appliedLayout(stateDirOf(opts), machine);
      const kernel = layout.placement.kernels.find((k) => k.name === name);
      if (!kernel) throw new ParkerError('E_NOT_FOUND', `the applied layout has no kernel named ${name}`, `one of: ${layout.placement.kernels.map((k) => k.name).join(', ')}`);
      const only: ResolvedLayout = { ...layout, placement: { ...layout.placement, kernels: [kernel] }, cmdlines: layout.cmdlines.filter((c) => c.name === name) };
      const have = partitionNamed(machine, name);
      const plan = diffLayout(interfaceFor(machine.fs), only, { topology: machineTopology(machine), partitions: have ? [have] : [] });
      await runPlan(ctx, machine, opts, `start ${name}`, plan);
    },
  );
}

export function stopCommand(ctx: CommandContext): Command {
  return withMachineOptions(
    new Command('stop').description('ask an application kernel to power off (its partition stays, ready to start again)').argument('<name>', 'kernel name').addHelpText('after', LIFECYCLE_EXIT),
  ).action(
    async (name: string, opts: Flags) => {
      const machine = openMachine(opts);
      await recoverBefore(ctx, machine, opts, 'stop');
      const have = partitionNamed(machine, name);
      if (!have) throw new ParkerError('E_NOT_FOUND', `no partition named ${name} on ${machine.description}`, 'see parker status');
      if (!have.online) {
        ctx.out(`${name} is not running\n`);
        return;
      }
      const spec = loadApplied(stateDirOf(opts), machine.description)?.layout.spec.kernels.find((k) => k.name === name);
      await runPlan(ctx, machine, opts, `stop ${name}`, stopPlan(interfaceFor(machine.fs), have, spec));
    },
  );
}

export function destroyCommand(ctx: CommandContext): Command {
  return withMachineOptions(
    new Command('destroy')
      .description('stop an application kernel if it runs and remove its partition, giving CPUs, memory and devices back')
      .argument('[name]', 'kernel name')
      .addOption(new Option('--all', 'destroy every partition'))
      .addHelpText('after', LIFECYCLE_EXIT),
  ).action(async (name: string | undefined, opts: Flags) => {
    if (!name === !opts.all) throw new ParkerError('E_USAGE', 'name one partition or give --all', 'parker destroy NAME, or parker destroy --all');
    const machine = openMachine(opts);
    await recoverBefore(ctx, machine, opts, 'destroy');
    const iface = interfaceFor(machine.fs);
    const partitions = iface.readPartitions(machine.fs).filter((p) => opts.all || p.name === name);
    if (name && partitions.length === 0) throw new ParkerError('E_NOT_FOUND', `no partition named ${name} on ${machine.description}`, 'see parker status');
    const applied = loadApplied(stateDirOf(opts), machine.description);
    const empty = { spec: { apiVersion: 'parker/v1alpha1', kind: 'Layout', metadata: { name: 'empty' }, boot: { devices: [], cmdline: '' }, kernels: [] }, placement: { boot: { cpus: [], devices: [] }, kernels: [], score: 0 }, cmdlines: [], boot: { current: null, required: [], changes: [] } } as ResolvedLayout;
    const plan = diffLayout(iface, empty, { topology: machineTopology(machine), partitions }, applied?.layout.spec.kernels ?? [], 'destroy requested');
    await runPlan(ctx, machine, opts, name ? `destroy ${name}` : 'destroy --all', plan);
  });
}

export function recoverCommand(ctx: CommandContext): Command {
  const command = new Command('recover')
    .description('finish what a crashed apply left: roll back its steps and sweep orphans (apply does this first by itself)')
    .addHelpText('after', '\nExit status: 0 recovered (or nothing to recover), 3 the machine refused or the journal belongs to another machine.');
  for (const option of machineOptions()) command.addOption(option);
  return command.action(async (opts: MachineFlags) => {
    const stateDir = stateDirOf(opts);
    let machine = openMachine(opts);
    requireChangeable(machine, 'recover');
    if (machine.kind === 'host') machine = openMachine(opts, { writable: true });
    ctx.out(describeRecovery(await recoverUnderLock(machine, stateDir)) + '\n');
  });
}
