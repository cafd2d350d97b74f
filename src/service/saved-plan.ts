import * as path from 'node:path';
import { nodeCrypto } from '../units/late-builtins.js';
import * as fs from 'node:fs';
import { ParkerError } from '../units/parker-error.js';
import { READ_LIMITS, readBoundedFile } from '../machines/bounded-read.js';
import { writeUserFile } from '../machines/user-file.js';
import type { Machine } from '../machines/machine.js';
import type { Plan } from '../plan/plan-types.js';
import type { ResolvedLayout } from '../plan/resolved-layout.js';
import { interfaceFor } from './kernel-interfaces.js';
import { resolvedLayoutProblem } from './applied-layout.js';
import { checkSpec, layoutTopology } from './layout-input.js';
import { stepsFor, type PlannedLayout } from './plan.js';
import { loadSpec } from '../spec/load-spec.js';
import { stepsProblem, undoProblem } from '../apply/intent-check.js';
import type { Step } from '../plan/step.js';

/**
 * A plan written by `parker plan --out FILE` and applied by `parker apply FILE` (as terraform
 * does): exactly these steps, and only while the machine is as it was when they were planned.
 */
export interface SavedPlan {
  schema: 'parker.saved-plan/v1';
  /** The layout file it was made from, as it was named. */
  file: string;
  /** Its absolute path: `apply --applied` reads it from wherever it runs (plans saved before it have none). */
  source?: string;
  machine: string;
  /** machineFingerprint() of the machine the plan was made against. */
  fingerprint: string;
  createdAt: string;
  layout: ResolvedLayout;
  plan: Plan;
  /** The layout's text, kept in applied.json once applied (`apply --applied`); absent from plans saved before. */
  text?: string;
}

/**
 * What a plan depends on: the partitions as the kernel shows them (CPUs, memory, devices,
 * online) and the boot kernel's online CPUs. Any change there makes a saved plan stale.
 */
export function machineFingerprint(machine: Machine): string {
  const partitions = interfaceFor(machine.fs).readPartitions(machine.fs);
  let online = '';
  try {
    online = machine.fs.read('sys/devices/system/cpu/online').trim();
  } catch {
    online = '?';
  }
  return nodeCrypto().createHash('sha256').update(JSON.stringify({ machine: machine.description, partitions, online })).digest('hex').slice(0, 16);
}

/** A plan as `plan --out` saves it: its layout, its steps and the machine's fingerprint. */
export function savedPlanOf(machine: Machine, planned: PlannedLayout, now: Date): SavedPlan {
  const layout = planned.input.prepared?.resolved;
  if (!planned.plan || !layout) throw new ParkerError('E_INVALID', `${planned.input.file} has errors: there is no plan to save`, 'fix the layout first (parker validate)');
  return { schema: 'parker.saved-plan/v1', file: planned.input.file, source: path.resolve(planned.input.file), machine: machine.description, fingerprint: machineFingerprint(machine), createdAt: now.toISOString(), layout, plan: planned.plan, text: planned.input.text };
}

export function savePlan(target: string, machine: Machine, planned: PlannedLayout, now: Date): SavedPlan {
  const saved = savedPlanOf(machine, planned, now);
  writeUserFile(target, JSON.stringify(saved, null, 2) + '\n', '--out');
  return saved;
}

/** Why a plan read back from a file is not one parker made: what apply and its output take from it. */
function planProblem(value: unknown): string | null {
  const plan = value as Partial<Plan>;
  if (plan.schema !== 'parker.plan/v1') return 'its plan is not a parker.plan/v1';
  const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
  if (!Array.isArray(plan.kernels) || !plan.kernels.every((k: unknown) => isObject(k) && typeof k.kernel === 'string' && typeof k.action === 'string' && Array.isArray(k.reasons))) return "its plan's kernels are malformed";
  if (!Array.isArray(plan.bootChanges) || !plan.bootChanges.every((p: unknown) => isObject(p) && typeof p.key === 'string')) return "its plan's boot changes are malformed";
  const steps = stepsProblem(plan.steps);
  if (steps) return steps;
  for (const [i, step] of (plan.steps as Step[]).entries()) {
    const undo = undoProblem(step);
    if (undo) return `step ${i + 1}: ${undo}`;
  }
  return null;
}

/** The saved plan in `file`, or null when the file is something else (a layout). */
export function readSavedPlan(file: string): SavedPlan | null {
  let text: string;
  try {
    if (!fs.statSync(file).isFile()) return null;
    // A saved plan of hundreds of kernels is a few MiB; anything larger is not one.
    text = readBoundedFile(file, READ_LIMITS.stateFile, 'saved plan').toString('utf8');
  } catch {
    return null; // the layout reader names what is wrong with the file
  }
  if (!text.trimStart().startsWith('{')) return null;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  const saved = data as Partial<SavedPlan>;
  if (saved.schema !== 'parker.saved-plan/v1') return null;
  const fix = 'make the plan again: parker plan LAYOUT --out FILE';
  if (typeof saved.fingerprint !== 'string' || typeof saved.machine !== 'string' || typeof saved.file !== 'string' || typeof saved.createdAt !== 'string' || !saved.plan || !Array.isArray(saved.plan.steps) || !saved.layout) {
    throw new ParkerError('E_PLAN', `${file} is a damaged saved plan (a field is missing)`, fix);
  }
  if (saved.source !== undefined && typeof saved.source !== 'string') throw new ParkerError('E_PLAN', `${file} is a damaged saved plan: its source is not a path`, fix);
  if (saved.text !== undefined && typeof saved.text !== 'string') throw new ParkerError('E_PLAN', `${file} is a damaged saved plan: its layout text is not text`, fix);
  // Checked as the journal checks what it runs, and as applied.json is checked (the layout
  // becomes applied.json): a plan edited by hand or damaged changes nothing.
  const layoutProblem = resolvedLayoutProblem(saved.layout);
  if (layoutProblem) throw new ParkerError('E_PLAN', `${file} is a damaged saved plan: ${layoutProblem}`, fix);
  const problem = planProblem(saved.plan);
  if (problem) throw new ParkerError('E_PLAN', `${file} is a damaged saved plan: ${problem}`, fix);
  return saved as SavedPlan;
}

/** Refuses a saved plan that cannot apply to `machine` now: requireCurrent, then requireOwnPlan. */
export function requireApplicable(saved: SavedPlan, file: string, machine: Machine, stateDir: string): void {
  requireCurrent(saved, file, machine);
  requireOwnPlan(saved, file, machine, stateDir);
}

/** Refuses a saved plan made for another machine, or against a machine that has changed since. */
function requireCurrent(saved: SavedPlan, file: string, machine: Machine): void {
  if (saved.machine !== machine.description) {
    throw new ParkerError('E_PLAN', `${file} was planned for ${saved.machine}, not ${machine.description}`, 'apply it with the machine flags it was made with, or plan again');
  }
  const now = machineFingerprint(machine);
  if (now !== saved.fingerprint) {
    throw new ParkerError(
      'E_PLAN',
      `${file} is stale: ${machine.description} changed since the plan was made at ${saved.createdAt} (fingerprint ${saved.fingerprint}, now ${now})`,
      `nothing was changed; make a new plan: parker plan ${saved.file} --out ${file}`,
    );
  }
}

/**
 * Refuses a saved plan that is not what parker plans from its own layout on this machine now
 * (the machine is the one it was planned on: requireCurrent). A plan edited by hand or damaged
 * would otherwise run as written, CPU 0 or half a core included, and what apply prints (each
 * step's summary) need not be what it does. Its layout is placed and checked again (an error
 * refuses it), and its steps made again: both must be the saved ones.
 */
function requireOwnPlan(saved: SavedPlan, file: string, machine: Machine, stateDir: string): void {
  const fix = `nothing was changed; make the plan again: parker plan ${saved.file} --out ${file}`;
  // Its text becomes the applied layout's (`apply --applied` applies it): it must say the same.
  if (saved.text !== undefined && JSON.stringify(loadSpec(saved.text, saved.file).spec) !== JSON.stringify(saved.layout.spec)) {
    throw new ParkerError('E_PLAN', `${file} is not the plan of its own layout: the layout text it holds says something else (edited or damaged)`, fix);
  }
  const iface = interfaceFor(machine.fs);
  const topology = layoutTopology(machine);
  const checked = checkSpec(saved.layout.spec, machine, iface, topology);
  const error = checked.diagnostics.find((d) => d.severity === 'error');
  // What the fingerprint does not cover (a device's driver, the boot command line, the boot
  // kernel's devices) may have changed on the machine; or the plan was edited.
  const why = 'edited or damaged, or the machine changed since in what its fingerprint does not cover';
  if (error) throw new ParkerError('E_PLAN', `${file} holds a layout that does not pass validation now (${why}): ${error.message}`, fix);
  if (JSON.stringify(checked.resolved) !== JSON.stringify(saved.layout)) {
    throw new ParkerError('E_PLAN', `${file} is not the plan of its own layout: its placement, command lines or boot kernel changes differ from what parker makes of it now (${why})`, fix);
  }
  const again = stepsFor(saved.layout, machine, iface, topology, stateDir);
  if (JSON.stringify(again) !== JSON.stringify(saved.plan)) {
    throw new ParkerError('E_PLAN', `${file} is not the plan of its own layout: its steps differ from those parker makes of it now (${why}, or another layout was applied since)`, fix);
  }
}
