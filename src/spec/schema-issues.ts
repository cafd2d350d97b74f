import * as z from 'zod/mini';
import type { Diagnostic } from './diagnostic.js';
import { didYouMean } from './did-you-mean.js';
import { layoutSchema } from './spec-schema.js';

type Path = (string | number)[];

/**
 * Turns zod's issues into diagnostics people can act on: which key, what is wrong with the
 * value as written, and what to write instead. zod's own wording ("Invalid input") never
 * reaches the user; unions are explained by their accepted forms.
 */
export function schemaDiagnostics(issues: readonly z.core.$ZodIssue[], input: unknown): Diagnostic[] {
  return issues.flatMap((issue) => issueDiagnostics(issue, [], input));
}

function issueDiagnostics(issue: z.core.$ZodIssue, prefix: Path, input: unknown): Diagnostic[] {
  const path = [...prefix, ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')];
  const where = pathText(path);
  const at = (d: Omit<Diagnostic, 'severity' | 'path' | 'kernels'>, target = path): Diagnostic => ({
    severity: 'error',
    ...d,
    path: target,
    ...kernelsOf(target, input),
  });

  if (issue.code === 'unrecognized_keys') {
    const allowed = objectKeysAt(path, input);
    return issue.keys.map((key) => {
      const suggestion = didYouMean(key, allowed);
      return at(
        {
          rule: 'unknown-key',
          message: `unknown key "${key}" in ${where}`,
          fix: suggestion ? `did you mean \`${suggestion}\`?` : `remove it; ${where} accepts: ${allowed.join(', ')}`,
        },
        [...path, key],
      );
    });
  }

  const found = valueAt(input, path);
  const schema = schemaAt(path, input);
  const key = lastKey(path);
  if (!found.exists && path.length > 0) {
    const example = schema && exampleEntry(key, schema.inner);
    const forms = acceptedForms(path);
    return [
      at({
        rule: 'missing-key',
        message: `${pathText(path.slice(0, -1))} has no \`${key}\`, which is required`,
        fix: forms?.fix ?? `add ${example ?? `\`${key}:\``}${schema?.description ? ` (${schema.description})` : ''}`,
      }),
    ];
  }
  const value = found.value;
  if (value === null && path.length > 0) {
    return [at({ rule: 'bad-value', message: `${where} is empty`, fix: `write a value after \`${key}:\`${schema?.description ? ` (${schema.description})` : ''}` })];
  }

  switch (issue.code) {
    case 'invalid_type':
      if (path.length === 0) {
        return [at({ rule: 'schema', message: `the layout must be a mapping, not ${describeValue(value)}`, fix: 'start from examples/default.yaml: apiVersion, kind, metadata and kernels at the top level' })];
      }
      return [
        at({
          rule: 'bad-value',
          message: `${where} must be ${expectedText(issue.expected)}, not ${describeValue(value)}`,
          fix: typeof value === 'number' && (key === 'memory' || DURATION_KEYS.has(key)) ? unitFix(key, value) : typeFix(issue.expected, key, value, schema?.description, typeof path[path.length - 1] === 'number'),
        }),
      ];
    case 'invalid_value': {
      const accepted = issue.values.map(String);
      if (accepted.length === 1) {
        return [at({ rule: 'bad-value', message: `${where} is ${describeValue(value)}; the only accepted value is "${accepted[0]}"`, fix: `write \`${key}: ${accepted[0]}\`` })];
      }
      const suggestion = typeof value === 'string' ? didYouMean(value, accepted) : undefined;
      return [
        at({
          rule: 'bad-value',
          message: `${where} is ${describeValue(value)}, which is not one of: ${accepted.join(', ')}`,
          fix: suggestion ? `did you mean \`${suggestion}\`?` : `use one of: ${accepted.join(', ')}`,
        }),
      ];
    }
    case 'invalid_format':
      // The spec schema gives every pattern a message that starts with "must be ...".
      return [at({ rule: 'bad-value', message: `${where} ${describeValue(value)} ${issue.message}`, fix: formatFix(path, value) ?? schema?.description })];
    case 'too_small':
    case 'too_big':
      return [at({ rule: 'bad-value', message: `${where} ${boundText(issue, value)}`, fix: schema?.description })];
    case 'invalid_union':
      return unionDiagnostics(issue, path, value, input, at);
    default:
      return [at({ rule: 'schema', message: `${where}: ${issue.message}` })];
  }
}

/**
 * An object that shares keys with one of the union's object forms is judged as that form, so
 * `{ class: nvm }` gets "did you mean nvme" rather than a list of forms. Anything else gets
 * the list of accepted forms.
 */
function unionDiagnostics(
  issue: z.core.$ZodIssue & { code: 'invalid_union' },
  path: Path,
  value: unknown,
  input: unknown,
  at: (d: Omit<Diagnostic, 'severity' | 'path' | 'kernels'>) => Diagnostic,
): Diagnostic[] {
  const union = schemaAt(path, input)?.inner;
  if ('errors' in issue && union instanceof z.core.$ZodUnion && isRecord(value)) {
    const index = closestObjectOption(union._zod.def.options, value);
    const optionIssues = index === undefined ? undefined : issue.errors[index];
    if (optionIssues && optionIssues.length > 0) return optionIssues.flatMap((inner) => issueDiagnostics(inner, path, input));
  }
  const forms = acceptedForms(path);
  return [
    at({
      rule: 'bad-value',
      message: `${pathText(path)} is ${describeValue(value)}, which is none of the accepted forms${forms ? `: ${forms.what}` : ''}`,
      fix: forms?.fix ?? (union && descriptionOf(union)),
    }),
  ];
}

/** Plain-language forms of the spec's unions, keyed by where they appear. */
function acceptedForms(path: Path): { what: string; fix: string } | undefined {
  const last = path[path.length - 1];
  if (last === 'cpus' && path[0] === 'boot') {
    return {
      what: 'a CPU list string, or a mapping with `count`',
      fix: 'write either `cpus: "0-3,128-131"` (these CPUs) or `cpus: { count: 8 }` (whole cores from CPU 0)',
    };
  }
  if (last === 'cpus') {
    return {
      what: 'a CPU list string, or a mapping with `count` (and optional `placement`, `nodes`, `granularity`)',
      fix: 'write either `cpus: "8-15,136-143"` (these CPUs) or `cpus: { count: 16, placement: packed }` (parker chooses)',
    };
  }
  if (typeof last === 'number' && path[path.length - 2] === 'devices' && path[0] === 'kernels') {
    return {
      what: 'a PCI address string, a mapping with `address` (and `force`), or a selector mapping with `class` (and `count`, `local`)',
      fix: 'write one of `- "0000:41:00.0"`, `- { address: "0000:41:00.0", force: true }` or `- { class: nvme, count: 1, local: true }`',
    };
  }
  return undefined;
}

/** Keys whose value is a duration ("90s"): a bare number needs its unit, not quotes. */
const DURATION_KEYS = new Set(['bootTimeout', 'timeout']);

/** A bare number where a size or a duration goes: the same number with its unit. */
function unitFix(key: string, value: number): string {
  return key === 'memory' ? `add the unit: \`memory: ${value}G\`` : `add the unit: \`${key}: ${value}s\` (or ms, m)`;
}

/** How to write a value of the expected type, with what the key is for; `inList`: an entry of a list under `key`. */
function typeFix(expected: string, key: string, value: unknown, description: string | undefined, inList = false): string {
  const what = description ? ` (${description})` : '';
  if (expected === 'string' && inList && (typeof value === 'boolean' || typeof value === 'number')) return `quote the entry: \`"${String(value)}"\`, as in \`${key}: ["${String(value)}"]\`${what}`;
  switch (expected) {
    case 'array':
      return `write a list under \`${key}:\`, one entry per line starting with "- ", or [a, b]${what}`;
    case 'object':
      return `write a mapping under \`${key}:\`: indented "key: value" lines, or { key: value }${what}`;
    case 'string':
      // A list or mapping quoted would be its JavaScript text: say what goes there instead.
      if (typeof value === 'object' && value !== null) return `write text here, not a ${Array.isArray(value) ? 'list' : 'mapping'}${inList ? ` (each entry of \`${key}\` is one string)` : ''}${what}`;
      return `quote it: \`${key}: "${String(value)}"\`${what}`;
    case 'number':
    case 'int':
      return `write a whole number without quotes${what}`;
    case 'boolean':
      return `write true or false${what}`;
    default:
      return description ?? `write ${expectedText(expected)}`;
  }
}

/** A value to write instead, for the patterns people get wrong most. */
function formatFix(path: Path, value: unknown): string | undefined {
  const key = lastKey(path);
  if (key === 'name' && typeof value === 'string') {
    const label = value.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
    return label ? `write \`name: ${label}\`` : 'use lower-case letters, digits and "-"';
  }
  if (key === 'devices' || key === 'address') return 'write the address as `lspci -D` prints it, such as "0000:41:00.0"';
  if (key === 'bootTimeout' || key === 'timeout') return 'write a whole number with ms, s or m, such as "90s"';
  if (key === 'console') return 'name a serial port such as `console: ttyS1`';
  return undefined;
}

/** The object form whose keys the value uses most, if it uses any. */
function closestObjectOption(options: readonly Schema[], value: Record<string, unknown>): number | undefined {
  let best: number | undefined;
  let bestShared = 0;
  options.forEach((option, index) => {
    const inner = unwrap(option).inner;
    if (!(inner instanceof z.core.$ZodObject)) return;
    const shape = inner._zod.def.shape;
    const shared = Object.keys(value).filter((k) => k in shape).length;
    if (shared > bestShared) {
      best = index;
      bestShared = shared;
    }
  });
  return best;
}

/** A schema of the layout, whichever zod API made it. */
type Schema = z.core.$ZodType;

interface SchemaAt {
  /** The schema without its default/optional wrappers. */
  inner: Schema;
  /** The first description found on the way in. */
  description: string | undefined;
}

/** What `z.describe` said of this schema. */
function descriptionOf(schema: Schema): string | undefined {
  return z.globalRegistry.get(schema)?.description;
}

function unwrap(schema: Schema): SchemaAt {
  let inner = schema;
  let description = descriptionOf(schema);
  while (inner instanceof z.core.$ZodDefault || inner instanceof z.core.$ZodOptional) {
    inner = inner._zod.def.innerType;
    description ??= descriptionOf(inner);
  }
  return { inner, description };
}

/** The schema that governs `path`, choosing among union forms by the value written there. */
function schemaAt(path: Path, input: unknown): SchemaAt | undefined {
  let current = unwrap(layoutSchema);
  let value = input;
  for (const segment of path) {
    const inner = resolveUnion(current.inner, value);
    let child: Schema | undefined;
    if (inner instanceof z.core.$ZodObject && typeof segment === 'string') child = inner._zod.def.shape[segment];
    else if (inner instanceof z.core.$ZodArray && typeof segment === 'number') child = inner._zod.def.element;
    if (!child) return undefined;
    current = unwrap(child);
    value = isRecord(value) || Array.isArray(value) ? (value as Record<string | number, unknown>)[segment] : undefined;
  }
  return current;
}

function resolveUnion(schema: Schema, value: unknown): Schema {
  if (!(schema instanceof z.core.$ZodUnion)) return schema;
  const options = schema._zod.def.options;
  const index = isRecord(value) ? closestObjectOption(options, value) : undefined;
  const objectOption = options.find((o) => unwrap(o).inner instanceof z.core.$ZodObject);
  return unwrap(index === undefined ? (objectOption ?? options[0]!) : options[index]!).inner;
}

function objectKeysAt(path: Path, input: unknown): string[] {
  const schema = schemaAt(path, input);
  const inner = schema && resolveUnion(schema.inner, valueAt(input, path).value);
  return inner instanceof z.core.$ZodObject ? Object.keys(inner._zod.def.shape) : [];
}

/** "`kind: Layout`" for a missing literal, so the fix can be pasted. */
function exampleEntry(key: string, schema: Schema): string | undefined {
  if (schema instanceof z.core.$ZodLiteral) return `\`${key}: ${String(schema._zod.def.values[0])}\``;
  return undefined;
}

function valueAt(input: unknown, path: Path): { exists: boolean; value: unknown } {
  let value = input;
  for (const segment of path) {
    if (!(isRecord(value) || Array.isArray(value)) || !Object.hasOwn(value, segment)) return { exists: false, value: undefined };
    value = (value as Record<string | number, unknown>)[segment];
  }
  return { exists: true, value };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "kernels[1].devices[0]"; the empty path is the whole layout. */
export function pathText(path: readonly (string | number)[]): string {
  if (path.length === 0) return 'the layout';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function lastKey(path: Path): string {
  const key = [...path].reverse().find((p) => typeof p === 'string');
  return key ?? 'value';
}

/** Kernel names a path is about: its own name when it has one, "boot" for the boot section. */
export function kernelsOf(path: readonly (string | number)[], input: unknown): { kernels?: string[] } {
  if (path[0] === 'boot') return { kernels: ['boot'] };
  if (path[0] !== 'kernels' || typeof path[1] !== 'number') return {};
  const name = valueAt(input, ['kernels', path[1], 'name']).value;
  return typeof name === 'string' ? { kernels: [name] } : {};
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'empty';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  if (Array.isArray(value)) return 'a list';
  return 'a mapping';
}

function expectedText(expected: string): string {
  switch (expected) {
    case 'string':
      return 'a string';
    case 'number':
    case 'int':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
      return 'a mapping';
    default:
      return expected;
  }
}

function boundText(issue: z.core.$ZodIssue & { code: 'too_small' | 'too_big' }, value: unknown): string {
  const small = issue.code === 'too_small';
  const bound = Number(small ? issue.minimum : issue.maximum);
  const strict = issue.inclusive === false;
  if (issue.origin === 'array' && Array.isArray(value)) {
    const entries = (n: number) => `${n} ${n === 1 ? 'entry' : 'entries'}`;
    return `has ${entries(value.length)}; it needs ${small ? 'at least' : 'at most'} ${entries(bound)}`;
  }
  if (issue.origin === 'string' && small && bound === 1) return 'is empty';
  if (issue.origin === 'string') return `is ${String(value).length} characters long; ${small ? 'at least' : 'at most'} ${bound}`;
  const relation = small ? (strict ? 'more than' : 'at least') : strict ? 'less than' : 'at most';
  return `is ${String(value)}; it must be ${relation} ${bound}`;
}
