import { hasErrors } from '../spec/diagnostic.js';
import { compareWithFirstFit } from '../plan/compare-placements.js';
import { diffLayout } from '../plan/diff.js';
import type { Plan } from '../plan/plan-types.js';
import type { Machine } from '../machines/machine.js';
import type { KernelInterface } from '../interfaces/kernel-interface.js';
import { allDiagnostics, readLayout, type LayoutInput } from './layout-input.js';
import { loadApplied } from './applied-layout.js';

export interface PlannedLayout {
  input: LayoutInput;
  plan: Plan | null;
  firstFit: number | null;
}

/** Reads, checks and plans a layout against a machine; the plan is null when there are errors. */
export function planLayout(file: string, machine: Machine, iface: KernelInterface, stateDir: string): PlannedLayout {
  const input = readLayout(file, machine, iface);
  const resolved = input.prepared?.resolved;
  if (!resolved || !input.spec || hasErrors(allDiagnostics(input))) return { input, plan: null, firstFit: null };
  // Kernels of the layout applied before keep their stop commands when this one removes them.
  const earlier = loadApplied(stateDir, machine.description)?.layout.spec.kernels ?? [];
  const plan = diffLayout(iface, resolved, { topology: input.topology, partitions: iface.readPartitions(machine.fs) }, earlier);
  return { input, plan, firstFit: compareWithFirstFit(input.spec, input.topology).firstFit };
}
