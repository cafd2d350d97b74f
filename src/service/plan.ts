import { hasErrors } from '../spec/diagnostic.js';
import { firstFitScore } from '../plan/compare-placements.js';
import { diffLayout } from '../plan/diff.js';
import type { Plan } from '../plan/plan-types.js';
import type { ResolvedLayout } from '../plan/resolved-layout.js';
import type { Topology } from '../topology/model.js';
import type { Machine } from '../machines/machine.js';
import type { KernelInterface } from '../interfaces/kernel-interface.js';
import { allDiagnostics, readLayout, type LayoutInput } from './layout-input.js';
import { loadApplied } from './applied-layout.js';
import { diagnosticsData } from './validate.js';

export interface PlannedLayout {
  input: LayoutInput;
  plan: Plan | null;
  /** The first-fit baseline's score, when asked for (`plan --compare`); else null. */
  firstFit: number | null;
}

export interface PlanOptions {
  /** Also place the layout the first-fit way, for its score beside parker's (a second placement). */
  compare?: boolean;
  /** The layout's text, standing for the file's (readLayout). */
  text?: string;
}

/** Reads, checks and plans a layout against a machine; the plan is null when there are errors. */
export function planLayout(file: string, machine: Machine, iface: KernelInterface, stateDir: string, options: PlanOptions = {}): PlannedLayout {
  const input = readLayout(file, machine, iface, options.text);
  const resolved = input.prepared?.resolved;
  if (!resolved || !input.spec || hasErrors(allDiagnostics(input))) return { input, plan: null, firstFit: null };
  const plan = stepsFor(resolved, machine, iface, input.topology, stateDir);
  return { input, plan, firstFit: options.compare ? firstFitScore(input.spec, input.topology) : null };
}

/** The plan that makes the machine match a resolved layout (planLayout's, and a saved plan's check). */
export function stepsFor(resolved: ResolvedLayout, machine: Machine, iface: KernelInterface, topology: Topology, stateDir: string): Plan {
  // Kernels of the layout applied before keep their stop commands when this one removes them.
  const earlier = loadApplied(stateDir, machine.description)?.layout.spec.kernels ?? [];
  return diffLayout(iface, resolved, { topology, partitions: iface.readPartitions(machine.fs) }, earlier);
}

/** A plan as data (`plan -o json`): findings, placement, command lines, boot changes, steps. */
export function planReport(machine: Machine, planned: PlannedLayout) {
  const { input, plan } = planned;
  const resolved = input.prepared?.resolved ?? null;
  return {
    schema: 'parker.plan-report/v1' as const,
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
export type PlanReport = ReturnType<typeof planReport>;
