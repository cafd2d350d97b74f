import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeFor } from '../src/cli/exit-codes.js';
import { KernelError } from '../src/machines/kernel-error.js';
import { renderErrorsDoc } from '../src/units/error-codes-doc.js';
import { ERROR_CODES, EXIT_MEANINGS, type ErrorCode } from '../src/units/error-codes.js';
import { ParkerError } from '../src/units/parker-error.js';

const codes = Object.keys(ERROR_CODES) as ErrorCode[];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(file);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [file] : [];
  });
}

describe('docs/errors.md', () => {
  it('is exactly what the error-code table gives (regenerate with npm run docs:errors)', () => {
    expect(fs.readFileSync('docs/errors.md', 'utf8')).toBe(renderErrorsDoc());
  });

  it('has one row per code of the table, and a summary of every exit status', () => {
    const doc = renderErrorsDoc();
    const rows = doc.split('\n').filter((l) => /^\| E_/.test(l));
    expect(rows.map((r) => r.split(' | ')[0]!.slice(2))).toEqual(codes);
    const summary = doc.slice(doc.indexOf('Exit statuses:')).replace(/\s+/g, ' ');
    for (const status of Object.values(EXIT)) expect(summary).toMatch(new RegExp(`[:;] ${status} `));
    expect(EXIT_MEANINGS.map((e) => e.status)).toEqual(Object.values(EXIT));
  });
});

describe('the error-code table', () => {
  it('says what each code means and what to do in one line each', () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^E_[A-Z]+(_[A-Z]+)*$/);
      const texts: (string | undefined)[] = [info.meaning, 'fix' in info ? info.fix : undefined, 'exitNote' in info ? info.exitNote : undefined];
      for (const text of texts) if (text !== undefined) expect(text, code).toMatch(/^[^\n|]+$/);
    }
  });

  it('holds every code the source uses', () => {
    const used = new Set(sourceFiles('src').flatMap((f) => [...fs.readFileSync(f, 'utf8').matchAll(/\bE_[A-Z]+(?:_[A-Z]+)*\b/g)].map((m) => m[0])));
    expect([...used].filter((c) => !(c in ERROR_CODES)).sort()).toEqual([]);
  });

  it('gives each code the exit status it has always had', () => {
    const usage = ['E_USAGE', 'E_PARSE', 'E_SYNTHETIC', 'E_MACHINE', 'E_NOT_FOUND', 'E_NO_LAYOUT', 'E_NOT_RUNNING', 'E_CONFIRM', 'E_CONFIG', 'E_UNAUTHORIZED', 'E_FORBIDDEN', 'E_REQUEST', 'E_METHOD', 'E_BODY_TOO_LARGE', 'E_LISTEN'];
    const invalid = ['E_INVALID', 'E_BOOT_CHANGES'];
    for (const code of codes) {
      const expected = usage.includes(code) ? EXIT.usage : invalid.includes(code) ? EXIT.invalid : code === 'E_INTERNAL' ? EXIT.internal : EXIT.machine;
      expect(ERROR_CODES[code].exit, code).toBe(expected);
      if (code !== 'E_INTERNAL' && code !== 'E_KERNEL') expect(exitCodeFor(new ParkerError(code, 'x')), code).toBe(expected);
    }
    expect(exitCodeFor(new KernelError('EBUSY', 'write', 'sys/x'))).toBe(EXIT.machine);
    expect(exitCodeFor(new Error('bug'))).toBe(EXIT.internal);
    expect(exitCodeFor(new ParkerError('E_NOT_A_CODE' as ErrorCode, 'cast past the type'))).toBe(EXIT.machine);
  });
});
