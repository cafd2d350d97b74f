import { ParkerError } from '../units/parker-error.js';
import type { ApplyResult } from '../apply/execute.js';
import type { RecoveryResult } from '../apply/recover.js';
import { diffLayout, stopPlan } from '../plan/diff.js';
import type { Plan } from '../plan/plan-types.js';
import type { ResolvedLayout } from '../plan/resolved-layout.js';
import type { Machine } from '../machines/machine.js';
import { interfaceFor } from './kernel-interfaces.js';
import { requireChangeable } from './require-changeable.js';
import { requireStoppable } from './require-stoppable.js';
import { loadApplied } from './applied-layout.js';
import { bootResources } from './boot-resources.js';
import { changeable, recoverOpenFirst, recoverUnderLock, runSteps, withLockedMachine } from './transaction.js';
import type { ServiceContext } from './service-context.js';

/** How start, stop or destroy ended. */
export type LifecycleOutcome = 'nothing-to-do' | 'not-running' | 'declined' | 'applied' | 'rolled-back';

export interface LifecycleReport {
  schema: 'parker.lifecycle/v1';
  /** "start db", "stop db", "destroy --all". */
  action: string;
  machine: string;
  outcome: LifecycleOutcome;
  recovery: RecoveryResult | null;
  plan: Plan | null;
  result: ApplyResult | null;
}

const EMPTY_LAYOUT = {
  spec: { apiVersion: 'parker/v1alpha1', kind: 'Layout', metadata: { name: 'empty' }, boot: { devices: [], cmdline: '' }, kernels: [] },
  placement: { boot: { cpus: [], devices: [] }, kernels: [], score: 0 },
  cmdlines: [],
  boot: { current: null, required: [], changes: [] },
} as unknown as ResolvedLayout;

function appliedLayout(stateDir: string, machine: Machine): ResolvedLayout {
  const applied = loadApplied(stateDir, machine.description);
  if (!applied) throw new ParkerError('E_NO_LAYOUT', `no layout has been applied to ${machine.description}`, 'apply one first: parker apply LAYOUT.yaml');
  return applied.layout;
}

function partitionNamed(machine: Machine, name: string) {
  return interfaceFor(machine.fs).readPartitions(machine.fs).find((p) => p.name === name);
}

/**
 * The frame every lifecycle action shares: under the lock, recover first, make the action's
 * plan against the machine as it now is, announce it, let the policy confirm, run it.
 * `planFor` returns null when there is nothing to do (with the outcome to report).
 */
async function runLifecycle(
  ctx: ServiceContext,
  action: string,
  planFor: (machine: Machine) => Plan | { outcome: 'nothing-to-do' | 'not-running' },
): Promise<LifecycleReport> {
  // The machine is read under the lock: one read before it may be changed by another parker meanwhile.
  return withLockedMachine(ctx, action, action.split(' ')[0]!, async (opened) => {
    const { machine, recovery } = await recoverOpenFirst(ctx, opened);
    const base = { schema: 'parker.lifecycle/v1' as const, action, machine: machine.description, recovery, result: null };
    const planned = planFor(machine);
    if ('outcome' in planned) return { ...base, outcome: planned.outcome, plan: null };
    if (planned.steps.length === 0) return { ...base, outcome: 'nothing-to-do', plan: planned };
    requireStoppable(planned);
    ctx.onEvent?.({ type: 'steps-planned', machine, action, plan: planned });
    const target = await changeable(ctx, machine, action);
    if (!target) return { ...base, outcome: 'declined', plan: planned };
    const result = await runSteps(target, ctx.stateDir, action, planned.steps, ctx.onEvent);
    target.close?.();
    return { ...base, outcome: result.outcome, plan: planned, result };
  });
}

/** Starts a kernel of the applied layout, creating (or recreating) its partition as the interface requires. */
export function startKernel(ctx: ServiceContext, name: string): Promise<LifecycleReport> {
  return runLifecycle(ctx, `start ${name}`, (machine) => {
    const layout = appliedLayout(ctx.stateDir, machine);
    const kernel = layout.placement.kernels.find((k) => k.name === name);
    if (!kernel) throw new ParkerError('E_NOT_FOUND', `the applied layout has no kernel named ${name}`, `one of: ${layout.placement.kernels.map((k) => k.name).join(', ')}`);
    const only: ResolvedLayout = { ...layout, placement: { ...layout.placement, kernels: [kernel] }, cmdlines: layout.cmdlines.filter((c) => c.name === name) };
    const have = partitionNamed(machine, name);
    // The boot kernel's side of the plan needs a few files, not the whole machine.
    const resources = bootResources(machine, layout.placement.boot.cpus, layout.spec.boot.devices);
    return diffLayout(interfaceFor(machine.fs), only, { topology: resources, partitions: have ? [have] : [] });
  });
}

/** Asks a kernel to power off through its stop command; its partition stays. */
export function stopKernel(ctx: ServiceContext, name: string): Promise<LifecycleReport> {
  return runLifecycle(ctx, `stop ${name}`, (machine) => {
    const have = partitionNamed(machine, name);
    if (!have) throw new ParkerError('E_NOT_FOUND', `no partition named ${name} on ${machine.description}`, 'see parker status');
    if (!have.online) return { outcome: 'not-running' };
    const spec = loadApplied(ctx.stateDir, machine.description)?.layout.spec.kernels.find((k) => k.name === name);
    return stopPlan(interfaceFor(machine.fs), have, spec);
  });
}

/** Stops (if running) and removes one partition, or every partition: CPUs, memory and devices go back. */
export async function destroyPartitions(ctx: ServiceContext, which: { name: string } | { all: true }): Promise<LifecycleReport> {
  const name = 'name' in which ? which.name : null;
  // Loaded here, not with this module: start and stop do not discover the machine.
  const { machineTopology } = await import('./machine-topology.js');
  return runLifecycle(ctx, name ? `destroy ${name}` : 'destroy --all', (machine) => {
    const iface = interfaceFor(machine.fs);
    const partitions = iface.readPartitions(machine.fs).filter((p) => name === null || p.name === name);
    if (name && partitions.length === 0) throw new ParkerError('E_NOT_FOUND', `no partition named ${name} on ${machine.description}`, 'see parker status');
    const applied = loadApplied(ctx.stateDir, machine.description);
    const plan = diffLayout(iface, EMPTY_LAYOUT, { topology: machineTopology(machine), partitions }, applied?.layout.spec.kernels ?? [], 'destroy requested');
    // What the interface does once no partition is left (Parker: unload the last kexec image).
    const remaining = iface.readPartitions(machine.fs).length - partitions.length;
    if (plan.steps.length > 0 && remaining === 0) {
      const after = iface.afterLastPartition(machine);
      for (const { intent, why } of after) plan.steps.push({ id: plan.steps.length + 1, action: 'delete', kernel: 'boot', intent, why, undo: null, summary: iface.describe(intent) });
      // Shown in the plan with the boot kernel's other changes, as every step is.
      if (after.length > 0) plan.kernels.push({ kernel: 'boot', action: 'change', reasons: ['no partition is left'] });
    }
    return plan;
  });
}

/** Rolls back what a crashed transaction left and sweeps orphans (`parker recover`). */
export async function recoverMachine(ctx: ServiceContext): Promise<RecoveryResult & { machine: string }> {
  // Recovering is what the user asked for: no further confirmation. The machine is read under the lock.
  let description = '';
  const result = await recoverUnderLock(
    () => {
      const first = ctx.open();
      requireChangeable(first, 'recover');
      const machine = first.kind === 'host' ? ctx.open({ writable: true }) : first;
      description = machine.description;
      return machine;
    },
    ctx.stateDir,
    ctx.onEvent,
  );
  return { ...result, machine: description };
}
