import { ERROR_CODES, EXIT_MEANINGS, type ErrorCodeInfo } from './error-codes.js';

/**
 * docs/errors.md, generated from ERROR_CODES and EXIT_MEANINGS (./error-codes.ts): write it
 * with `npm run docs:errors` (scripts/errors-doc.mjs); test/errors-doc.test.ts checks that the
 * file is exactly this.
 */

const WIDTH = 96;

const INTRO = `Every error a user can cause prints one line with a stable code, what went wrong (naming the
input: a file with line:col, a flag, a sysfs path with its errno), and a \`fix:\` line. No stack
traces: a stack trace means a bug (exit status 70). Scripts may branch on the codes and on the
exit statuses; both are stable.`;

/** Greedy word wrap at WIDTH columns. */
function wrap(text: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines.join('\n');
}

/** A table cell: one line, pipes escaped. */
function cell(text: string | undefined): string {
  return (text ?? '').replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

function row(code: string, info: ErrorCodeInfo): string {
  const exit = info.exitNote === undefined ? String(info.exit) : `${info.exit} (${info.exitNote})`;
  return `| ${code} | ${cell(exit)} | ${cell(info.meaning)} | ${cell(info.fix)} |`.replace(/ +\|$/, ' |');
}

export function renderErrorsDoc(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, info]) => row(code, info));
  const summary = `Exit statuses: ${EXIT_MEANINGS.map((e) => `${e.status} ${e.meaning}`).join('; ')}.`;
  return [
    '# Errors',
    '',
    '<!-- Generated from src/units/error-codes.ts by `npm run docs:errors`: edit the table there, not here. -->',
    '',
    INTRO,
    '',
    '| code | exit | when | what to do |',
    '|---|---|---|---|',
    ...rows,
    '',
    wrap(summary),
    '',
  ].join('\n');
}
