import { compareText } from '../units/compare-text.js';

/**
 * A finding about a layout: from the schema check, a validation rule or a hazard. Pure data;
 * `path` points into the spec (["kernels", 1, "cpus"]) and the loader's source map turns it
 * into file:line:col for people.
 */
export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  severity: Severity;
  /** Stable rule id, kebab-case ("cpu-zero", "unknown-key"). */
  rule: string;
  /** Hazard id from docs/hazards.md ("H21") when the rule enforces one. */
  hazard?: string;
  /** What goes wrong, in one sentence. */
  message: string;
  /** The exact fix: a parameter to add, a value to change. */
  fix?: string;
  /** Where in the spec; absent for machine-wide findings. */
  path?: (string | number)[];
  /** Application kernels involved (names), "boot" for the boot kernel. */
  kernels?: string[];
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

const ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Deterministic order: by severity, then spec path, then rule. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const key = (d: Diagnostic) => (d.path ?? []).map((p) => (typeof p === 'number' ? String(p).padStart(6, '0') : p)).join('/');
  return [...diagnostics].sort(
    (a, b) => ORDER[a.severity] - ORDER[b.severity] || compareText(key(a), key(b)) || compareText(a.rule, b.rule) || compareText(a.message, b.message),
  );
}
