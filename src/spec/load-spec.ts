import { errnoWords } from '../units/errno-words.js';
import { READ_LIMITS, readBoundedFile } from '../machines/bounded-read.js';
import { withoutControls } from '../units/framed-lines.js';
import { LineCounter, parseDocument, visit, type Alias, type Document, type YAMLError } from 'yaml';
import { ParkerError } from '../units/parker-error.js';
import { sortDiagnostics } from './diagnostic.js';
import type { LocatedDiagnostic } from './format-diagnostic.js';
import { schemaDiagnostics } from './schema-issues.js';
import { positionOf, sourceLocator, type Locate } from './source-map.js';
import { specDiagnostics } from './spec-checks.js';
import { layoutSchema, type LayoutSpec } from './spec-schema.js';

export { parseDuration } from './duration.js';
export { formatDiagnostic, locateDiagnostic, type LocatedDiagnostic } from './format-diagnostic.js';
export type { Locate, SourceLocation, SourcePosition } from './source-map.js';

export interface LoadedSpec {
  /**
   * The typed spec, defaults filled in; null when the YAML or the schema check failed, except
   * for unknown keys: those are reported and left out.
   */
  spec: LayoutSpec | null;
  /** YAML syntax errors in file order, else schema or spec findings in sortDiagnostics order. */
  diagnostics: LocatedDiagnostic[];
  /** Where a spec path is written in the file (nearest existing ancestor when it is not). */
  locate: Locate;
}

/**
 * Reads a layout from YAML text: syntax, then the schema, then the checks that need no
 * machine. Pure; `file` only names the text in locations. A spec with findings of its own
 * (memory not in whole GiB, ...) is still returned: hasErrors(diagnostics) says whether to go on.
 */
export function loadSpec(text: string, file: string): LoadedSpec {
  const loaded = loadSpecText(text, file);
  // What the file says is echoed in messages: never its control characters (a terminal escape).
  return { ...loaded, diagnostics: loaded.diagnostics.map((d) => ({ ...d, message: withoutControls(d.message), ...(d.fix ? { fix: withoutControls(d.fix) } : {}) })) };
}

function loadSpecText(text: string, file: string): LoadedSpec {
  const lineCounter = new LineCounter();
  // merge: `<<: *common` lets kernels share settings, as in Kubernetes manifests.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true });
  const locate = sourceLocator(doc, lineCounter, file);
  const syntax = [
    ...doc.errors.map((e) => yamlDiagnostic(e, 'error', lineCounter)),
    ...doc.warnings.map((w) => yamlDiagnostic(w, 'warning', lineCounter)),
  ];
  if (doc.errors.length > 0) return { spec: null, diagnostics: syntax, locate };
  const unresolved = unresolvedAlias(doc);
  if (unresolved) {
    const message = `the alias *${unresolved.source} has no anchor &${unresolved.source} before it`;
    const at = positionOf(lineCounter, unresolved.range?.[0] ?? 0);
    return { spec: null, diagnostics: [...syntax, { severity: 'error', rule: 'yaml-syntax', message, fix: YAML_FIXES.BAD_ALIAS, at }], locate };
  }

  let input: unknown;
  try {
    input = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // Only an alias expanding past the limit gets here ("billion laughs").
    const message = `the YAML cannot be read: ${(error as Error).message}`;
    return { spec: null, diagnostics: [...syntax, { severity: 'error', rule: 'yaml-syntax', message, fix: 'use fewer aliases (*name)', at: { line: 1, col: 1 } }], locate };
  }
  const huge = longList(input, []);
  if (huge) {
    const message = `${huge.path.join('.')} has ${huge.length} entries; a layout list holds at most ${MAX_LIST}`;
    return { spec: null, diagnostics: [...syntax, { severity: 'error', rule: 'layout-too-large', message, fix: 'a kernel has at most 256 devices and a machine a few hundred kernels: remove the repeated entries', path: huge.path }], locate };
  }
  const parsed = layoutSchema.safeParse(input);
  if (parsed.success) return { spec: parsed.data, diagnostics: [...syntax, ...sortDiagnostics(specDiagnostics(parsed.data))], locate };
  const schemaFindings = schemaDiagnostics(parsed.error.issues, input);
  // Unknown keys are errors, but the rest of the file can still be judged: drop them and go
  // on, so one run shows every problem (the errors still stop plan and apply).
  const recovered = parsed.error.issues.every((issue) => issue.code === 'unrecognized_keys') ? layoutSchema.safeParse(withoutKeys(input, parsed.error.issues)) : undefined;
  if (!recovered?.success) return { spec: null, diagnostics: [...syntax, ...sortDiagnostics(schemaFindings)], locate };
  return { spec: recovered.data, diagnostics: [...syntax, ...sortDiagnostics([...schemaFindings, ...specDiagnostics(recovered.data)])], locate };
}

/** The longest list a layout may hold: far above any machine (Parker: 512 CPUs, 256 devices a partition). */
const MAX_LIST = 4096;

/** The first list in the input longer than MAX_LIST, with its path: checked before anything walks the lists. */
function longList(value: unknown, path: (string | number)[], depth = 0): { path: (string | number)[]; length: number } | null {
  if (depth > 16 || typeof value !== 'object' || value === null) return null;
  if (Array.isArray(value)) {
    if (value.length > MAX_LIST) return { path, length: value.length };
    for (let i = 0; i < value.length; i++) {
      const found = longList(value[i], [...path, i], depth + 1);
      if (found) return found;
    }
    return null;
  }
  for (const [key, child] of Object.entries(value)) {
    const found = longList(child, [...path, key], depth + 1);
    if (found) return found;
  }
  return null;
}

/** A copy of the input without the keys the issues name. */
function withoutKeys(input: unknown, issues: readonly { path: PropertyKey[]; keys?: string[] }[]): unknown {
  const copy = structuredClone(input);
  for (const issue of issues) {
    let target: unknown = copy;
    for (const segment of issue.path) target = (target as Record<PropertyKey, unknown> | undefined)?.[segment];
    if (typeof target !== 'object' || target === null) continue;
    for (const key of issue.keys ?? []) delete (target as Record<string, unknown>)[key];
  }
  return copy;
}

/** The one side effect of loading: reading the file. */
export function loadSpecFile(path: string): LoadedSpec {
  return loadSpec(readLayoutText(path), path);
}

/** A layout file's text: a regular file of at most READ_LIMITS.layout, and text, not binary. */
export function readLayoutText(path: string): string {
  let text: string;
  try {
    // A regular file of at most READ_LIMITS.layout: /dev/zero or a FIFO fails at once (E_TOO_BIG).
    text = readBoundedFile(path, READ_LIMITS.layout, 'layout').toString('utf8');
  } catch (error) {
    if (error instanceof ParkerError) throw error;
    throw new ParkerError('E_SPEC_READ', `cannot read the layout file "${path}": ${errnoWords(error)}`, 'give the path of a layout YAML file, such as examples/default.yaml', { cause: error });
  }
  // Binary data is said to be binary, not parsed into pages of YAML errors quoting it.
  const nul = text.indexOf('\u0000');
  if (nul >= 0) throw new ParkerError('E_SPEC_READ', `the layout file "${path}" is binary, not YAML text (a NUL byte at offset ${nul})`, 'give the path of a layout YAML file, such as examples/default.yaml');
  return text;
}

const YAML_FIXES: Partial<Record<YAMLError['code'], string>> = {
  DUPLICATE_KEY: 'remove one of the two entries with this key',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  BAD_INDENT: 'line up this entry with the other keys of its mapping',
  MULTIPLE_DOCS: 'keep one layout per file: remove the second `---` and what follows',
  BAD_ALIAS: 'define the anchor (&name) before using the alias (*name)',
  MISSING_CHAR: 'close the bracket or quote that is open here',
  BLOCK_AS_IMPLICIT_KEY: 'add the missing `:` after the key on the line above',
  MULTILINE_IMPLICIT_KEY: 'add the missing `:` after the key, or quote the text',
};

function unresolvedAlias(doc: Document): Alias | undefined {
  let found: Alias | undefined;
  visit(doc, {
    Alias(_, alias) {
      if (alias.resolve(doc) !== undefined) return undefined;
      found = alias;
      return visit.BREAK;
    },
  });
  return found;
}

function yamlDiagnostic(error: YAMLError, severity: 'error' | 'warning', lineCounter: LineCounter): LocatedDiagnostic {
  // The parser ran out of stack: said as what it means for the file.
  const tooDeep = /Maximum call stack size exceeded/.test(error.message);
  return {
    severity,
    rule: 'yaml-syntax',
    message: tooDeep ? 'the YAML nests too deeply to be read (thousands of levels of brackets or indentation)' : error.message,
    fix: tooDeep ? 'a layout nests a few levels deep: remove the extra levels' : (YAML_FIXES[error.code] ?? 'correct the YAML syntax at this position'),
    at: positionOf(lineCounter, error.pos[0]),
  };
}
