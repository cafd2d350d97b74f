import { locateDiagnostic, type LocatedDiagnostic } from '../spec/format-diagnostic.js';
import type { Locate } from '../spec/source-map.js';
import type { Machine } from '../machines/machine.js';
import { allDiagnostics, readLayout, type LayoutInput } from './layout-input.js';
import { interfaceFor } from './kernel-interfaces.js';

export function countBySeverity(diagnostics: readonly LocatedDiagnostic[]) {
  return {
    errors: diagnostics.filter((d) => d.severity === 'error').length,
    warnings: diagnostics.filter((d) => d.severity === 'warning').length,
    infos: diagnostics.filter((d) => d.severity === 'info').length,
  };
}

/** Diagnostics as data: each with its file:line:col. */
export function diagnosticsData(diagnostics: readonly LocatedDiagnostic[], locate: Locate) {
  return diagnostics.map((d) => ({ ...d, location: locateDiagnostic(d, locate) }));
}

export interface ValidateReport {
  schema: 'parker.validate/v1';
  file: string;
  machine: string;
  errors: number;
  warnings: number;
  infos: number;
  diagnostics: ReturnType<typeof diagnosticsData>;
}

/**
 * Checks a layout against a machine: schema, resources, placement and hazards. Reads only.
 * With `text`, that text stands for the file's (the applied layout's, as it was applied).
 */
export function validateLayout(file: string, machine: Machine, text?: string): { report: ValidateReport; input: LayoutInput } {
  const input = readLayout(file, machine, interfaceFor(machine.fs), text);
  const diagnostics = allDiagnostics(input);
  return {
    input,
    report: { schema: 'parker.validate/v1', file, machine: machine.description, ...countBySeverity(diagnostics), diagnostics: diagnosticsData(diagnostics, input.loaded.locate) },
  };
}
