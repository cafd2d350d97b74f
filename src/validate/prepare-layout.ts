import { sortDiagnostics, type Diagnostic } from '../spec/diagnostic.js';
import type { LayoutSpec } from '../spec/spec-schema.js';
import type { Topology } from '../topology/model.js';
import { validateLayout } from './validate.js';
import { RULES } from './rules/index.js';
import { buildCommandLines } from '../plan/command-lines.js';
import { place } from '../plan/place.js';
import type { ResolvedLayout } from '../plan/resolved-layout.js';
import type { CmdlineTerms } from '../plan/cmdline-terms.js';
import type { Rule } from './rule.js';

/** What the kernel interface adds to every layout: its command-line parameters and its own rules. */
export interface InterfaceTerms {
  cmdline: CmdlineTerms;
  rules: readonly Rule[];
}

export interface LayoutInputs {
  spec: LayoutSpec;
  topology: Topology;
  kernelInterface: InterfaceTerms;
  /** .config text per kernel name, read by the caller (validation itself reads no files). */
  configs?: ReadonlyMap<string, string>;
  /** PCI address -> what of the boot kernel it backs (root filesystem, swap, default route). */
  bootDependencies?: ReadonlyMap<string, string>;
}

export interface PreparedLayout {
  /** Null when placement failed: nothing further can be judged. */
  resolved: ResolvedLayout | null;
  diagnostics: Diagnostic[];
}

/** Places, generates command lines and validates: everything `validate` and `plan` share. Pure. */
export function prepareLayout(inputs: LayoutInputs): PreparedLayout {
  const { spec, topology } = inputs;
  const bootDependencies = inputs.bootDependencies ?? new Map<string, string>();
  const placed = place(spec, topology, { bootDependencies });
  // When placement failed nothing placement-dependent can be judged, but the rules on command
  // lines and the machine still run (on the lines of what could be placed), so every problem shows at once.
  const failed = placed.diagnostics.some((d) => d.severity === 'error');
  const lines = buildCommandLines(spec, placed.placement, topology, inputs.kernelInterface.cmdline);
  const rules = [...RULES, ...inputs.kernelInterface.rules];
  const ruleDiagnostics = validateLayout(
    { spec, topology, placement: placed.placement, cmdlines: lines.cmdlines, boot: lines.boot, configs: inputs.configs ?? new Map(), bootDependencies },
    failed ? rules.filter((r) => r.needsPlacement === false) : rules,
  );
  return {
    resolved: failed ? null : { spec, placement: placed.placement, cmdlines: lines.cmdlines, boot: lines.boot },
    diagnostics: sortDiagnostics([...placed.diagnostics, ...lines.diagnostics, ...ruleDiagnostics]),
  };
}
