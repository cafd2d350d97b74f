import { ParkerError } from '../units/parker-error.js';
import { plural } from '../units/plural.js';
import { Journal } from '../apply/journal.js';
import type { ApplyResult } from '../apply/execute.js';
import type { RecoveryResult } from '../apply/recover.js';
import type { Machine } from '../machines/machine.js';
import type { Plan } from '../plan/plan-types.js';
import { planLayout, planReport, type PlanReport, type PlannedLayout } from './plan.js';
import * as path from 'node:path';
import { readLayoutText } from '../spec/load-spec.js';
import type { AppliedLayout } from './applied-layout.js';
import { interfaceFor } from './kernel-interfaces.js';
import { requireStoppable } from './require-stoppable.js';
import { loadApplied, saveApplied } from './applied-layout.js';
import { readSavedPlan, requireApplicable, type SavedPlan } from './saved-plan.js';
import { changeable, recoverOpenFirst, runSteps, withLockedMachine } from './transaction.js';
import type { ServiceContext } from './service-context.js';

/**
 * How an apply ended: the layout had errors; a dry run; the machine already matched; the
 * policy declined; every step ran; or a step failed and the ones before it were undone.
 */
export type ApplyOutcome = 'invalid' | 'dry-run' | 'no-changes' | 'declined' | 'applied' | 'rolled-back';

export interface ApplyReport extends Omit<PlanReport, 'schema'> {
  schema: 'parker.apply/v1';
  outcome: ApplyOutcome;
  /** A crashed earlier transaction rolled back before planning. */
  recovery: RecoveryResult | null;
  result: ApplyResult | null;
  /** Dry run only: an unfinished transaction would be rolled back first; the plan ignores it. */
  unfinishedTransaction: boolean;
  /**
   * `apply --applied` only: the layout file as it is now beside the layout applied (whose text
   * was applied again): `unchanged`, `changed` or `gone` (missing or unreadable); `read` when the
   * record kept no text (older records), so the file was read as it is now. Null otherwise.
   */
  fileSinceApplied: 'unchanged' | 'changed' | 'gone' | 'read' | null;
}

/** Boot-kernel changes apply cannot work without (Parker: the CMA pools partitions take memory from). */
function requireBootReady(machine: Machine, plan: Plan): void {
  const required = interfaceFor(machine.fs).bootParametersRequired;
  const blocking = plan.bootChanges.filter((p) => required.includes(p.key)).map((p) => `${p.key}=${p.value}`);
  if (!blocking.length) return;
  throw new ParkerError(
    'E_BOOT_CHANGES',
    `the boot kernel needs ${blocking.join(' ')} on its command line before partitions can get memory`,
    machine.kind === 'sim' ? `recreate the simulated machine with it: parker sim create --cmdline "... ${blocking.join(' ')}"` : 'add it to the boot kernel command line and reboot it',
  );
}

function report(machine: Machine, planned: PlannedLayout, outcome: ApplyOutcome, extra: Partial<ApplyReport> = {}): ApplyReport {
  return { ...planReport(machine, planned), schema: 'parker.apply/v1', outcome, recovery: null, result: null, unfinishedTransaction: false, fileSinceApplied: null, ...extra };
}

/**
 * Applies a plan saved by `plan --out`: exactly its steps, under the lock, and only while the
 * machine is as it was when the plan was made (E_PLAN otherwise, with nothing changed).
 */
async function applySaved(ctx: ServiceContext, file: string, saved: SavedPlan, dryRun: boolean): Promise<ApplyReport> {
  const base = (machine: Machine, outcome: ApplyOutcome, extra: Partial<ApplyReport> = {}): ApplyReport => ({
    schema: 'parker.apply/v1',
    file,
    machine: machine.description,
    diagnostics: [],
    placement: saved.layout.placement,
    firstFitScore: null,
    cmdlines: saved.layout.cmdlines,
    boot: saved.layout.boot,
    plan: saved.plan,
    outcome,
    recovery: null,
    result: null,
    unfinishedTransaction: false,
    fileSinceApplied: null,
    ...extra,
  });
  if (dryRun) {
    const first = ctx.open();
    requireApplicable(saved, file, first, ctx.stateDir);
    ctx.onEvent?.({ type: 'steps-planned', machine: first, action: `apply ${file}`, plan: saved.plan });
    return base(first, 'dry-run');
  }
  // The machine is read under the lock: one read before it may be changed by another parker meanwhile.
  return withLockedMachine(ctx, `apply ${file}`, 'apply', async (current) => {
    // A recovery changes the machine, so a plan saved before it is stale: check first.
    if (new Journal(ctx.stateDir).unfinished()) throw new ParkerError('E_PLAN', `an unfinished transaction must be recovered before ${file} can apply, and that makes the plan stale`, 'run parker recover, then plan again');
    requireApplicable(saved, file, current, ctx.stateDir);
    requireBootReady(current, saved.plan);
    requireStoppable(saved.plan);
    const remember = () =>
      saveApplied(ctx.stateDir, { format: 'parker.applied/v1', file: saved.file, source: saved.source ?? path.resolve(saved.file), machine: current.description, appliedAt: ctx.now().toISOString(), layout: saved.layout, ...(saved.text !== undefined ? { text: saved.text } : {}) });
    if (saved.plan.steps.length === 0) {
      remember();
      return base(current, 'no-changes');
    }
    ctx.onEvent?.({ type: 'steps-planned', machine: current, action: `apply ${file}`, plan: saved.plan });
    const target = await changeable(ctx, current, `apply ${plural(saved.plan.steps.length, 'step')}`);
    if (!target) return base(current, 'declined');
    const result = await runSteps(target, ctx.stateDir, `apply ${file}`, saved.plan.steps, ctx.onEvent);
    if (result.outcome === 'applied') remember();
    target.close?.();
    return base(target, result.outcome, { result });
  });
}

/**
 * Makes a machine match a layout: under the lock, recover what a crash left open, validate and
 * plan, let the policy confirm, then run the steps as one transaction and remember the layout.
 * The plan is announced (`layout-planned`) before it is confirmed. `file` may also be a plan
 * saved by `plan --out`.
 */
export async function applyLayout(ctx: ServiceContext, file: string, options: { dryRun?: boolean; name?: string; text?: string } = {}): Promise<ApplyReport> {
  const saved = readSavedPlan(file);
  if (saved) return applySaved(ctx, file, saved, options.dryRun ?? false);
  if (options.dryRun) {
    const first = ctx.open();
    const planned = planLayout(file, first, interfaceFor(first.fs), ctx.stateDir, { text: options.text });
    ctx.onEvent?.({ type: 'layout-planned', machine: first, planned });
    if (planned.plan) {
      requireBootReady(first, planned.plan);
      requireStoppable(planned.plan);
    }
    return report(first, planned, planned.plan ? 'dry-run' : 'invalid', { unfinishedTransaction: Boolean(new Journal(ctx.stateDir).unfinished()) });
  }
  // The machine is read under the lock: one read before it may be changed by another parker meanwhile.
  // `name`: how the layout is named in the transaction and the applied record when it is read
  // from a copy (the daemon's of a posted layout); `source` is always where it was read.
  const named = options.name ?? file;
  return withLockedMachine(ctx, `apply ${named}`, 'apply', async (opened) => {
    const { machine, recovery } = await recoverOpenFirst(ctx, opened);
    const planned = planLayout(file, machine, interfaceFor(machine.fs), ctx.stateDir, { text: options.text });
    ctx.onEvent?.({ type: 'layout-planned', machine, planned });
    const plan = planned.plan;
    if (!plan) return report(machine, planned, 'invalid', { recovery });
    requireBootReady(machine, plan);
    requireStoppable(plan);
    const layout = planned.input.prepared!.resolved!;
    // Applying what is already applied to a machine that matches it changes nothing, not even
    // when it was applied; steps run (kernels brought back) make it applied now.
    const before = loadApplied(ctx.stateDir, machine.description);
    // The same file (by where it is: `apply --applied` names it by its absolute path) and the same layout.
    const unchanged = before !== null && (before.source ?? path.resolve(before.file)) === path.resolve(file) && JSON.stringify(before.layout) === JSON.stringify(layout);
    const remember = () =>
      saveApplied(ctx.stateDir, { format: 'parker.applied/v1', file: unchanged ? before.file : named, source: path.resolve(file), machine: machine.description, appliedAt: unchanged && plan.steps.length === 0 ? before.appliedAt : ctx.now().toISOString(), layout, text: planned.input.text });
    if (plan.steps.length === 0) {
      // A machine that already matches has this layout applied: start, stop and status use it.
      remember();
      return report(machine, planned, 'no-changes', { recovery });
    }
    const target = await changeable(ctx, machine, `apply ${plural(plan.steps.length, 'step')}`);
    if (!target) return report(machine, planned, 'declined', { recovery });
    const result = await runSteps(target, ctx.stateDir, `apply ${named}`, plan.steps, ctx.onEvent);
    if (result.outcome === 'applied') remember();
    target.close?.();
    return report(target, planned, result.outcome, { recovery, result });
  });
}

/**
 * Applies again the layout last applied to this machine (`apply --applied`, which
 * parker-apply.service runs at boot), as it was applied: its text is kept in applied.json, so
 * an edit of its file since, not applied, is not taken in, and a file gone does not keep the
 * kernels from coming back (records written before the text was kept read the file). Validated
 * and planned afresh like any apply, so a machine that changed since (a CPU gone, a device
 * moved, a new /boot, another boot command line) is judged as it is now. After a machine reset (H10) no partition survives and every
 * kernel comes back; kernels still running as placed are left alone. No layout applied to this
 * machine: E_NO_LAYOUT.
 */
export async function reapplyLayout(ctx: ServiceContext, options: { dryRun?: boolean } = {}): Promise<ApplyReport> {
  const machine = ctx.open();
  let applied: AppliedLayout | null;
  try {
    applied = loadApplied(ctx.stateDir, machine.description);
  } finally {
    machine.close?.();
  }
  if (!applied) throw new ParkerError('E_NO_LAYOUT', `no layout has been applied to ${machine.description}`, 'apply one first: parker apply LAYOUT.yaml');
  // Where the file was when it was applied: --applied may run from another directory (systemd runs
  // it from /). Named as it was then: a layout posted to the daemon by its posted name, not its copy.
  const file = applied.source ?? applied.file;
  const since = applied.text === undefined ? 'read' : fileSince(file, applied.text);
  // Its kernels' config files are found beside where the file was.
  const report = await applyLayout(ctx, file, { ...options, ...(applied.source !== undefined ? { name: applied.file } : {}), ...(applied.text !== undefined ? { text: applied.text } : {}) });
  return { ...report, fileSinceApplied: since };
}

/** The layout file now, beside the text that was applied from it. */
function fileSince(file: string, appliedText: string): 'unchanged' | 'changed' | 'gone' {
  try {
    return readLayoutText(file) === appliedText ? 'unchanged' : 'changed';
  } catch {
    return 'gone';
  }
}
