import type { Diagnostic } from './diagnostic.js';
import type { Locate, SourceLocation, SourcePosition } from './source-map.js';

/**
 * A diagnostic the loader found before there was a spec to point into (YAML syntax): it
 * carries its own position instead of a path.
 */
export type LocatedDiagnostic = Diagnostic & { at?: SourcePosition };

/** Where a diagnostic is written: its own position, its path's, or just the file when it is about the whole machine. */
export function locateDiagnostic(d: LocatedDiagnostic, locate: Locate): SourceLocation | { file: string } {
  if (d.at) return { file: locate([]).file, ...d.at };
  if (d.path) return locate(d.path);
  return { file: locate([]).file };
}

/**
 * The stable one-line form `parker validate` prints, then the fix indented below it:
 *   layout.yaml:12:5 error H21 cpu-zero: CPU 0 ...
 *     fix: ...
 * Tools may parse it: location, severity, optional hazard id, rule id, message.
 */
export function formatDiagnostic(d: LocatedDiagnostic, locate: Locate): string {
  const where = locateDiagnostic(d, locate);
  const location = 'line' in where ? `${where.file}:${where.line}:${where.col}` : where.file;
  const id = d.hazard ? `${d.hazard} ${d.rule}` : d.rule;
  return `${location} ${d.severity} ${id}: ${d.message}${d.fix ? `\n  fix: ${d.fix}` : ''}`;
}
