import { createRequire } from 'node:module';
import { atTerminal } from './colors.js';

const require = createRequire(import.meta.url);

/** `table` and `wide` are for people; `json` and `yaml` print the same data object for programs. */
export function forPeople(format: string): boolean {
  return format === 'table' || format === 'wide';
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/y;
// eslint-disable-next-line no-control-regex
const ANSI_ALL = /\u001b\[[0-9;]*m/g;

/** A line cut to `columns` visible characters (colour codes kept, not counted), ending in "…" when cut. */
export function cutLine(line: string, columns: number): string {
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; ) {
    ANSI.lastIndex = i;
    const code = ANSI.exec(line);
    if (code) {
      out += code[0];
      i += code[0].length;
      continue;
    }
    // One column left and more than one character to come: end with an ellipsis (and reset colours).
    if (visible === columns - 1 && line.slice(i).replace(ANSI_ALL, '').length > 1) return `${out}…${line.includes('\u001b') ? '\u001b[0m' : ''}`;
    out += line[i];
    visible++;
    i++;
  }
  return out;
}

/** A table fitted to the terminal's width (people at a terminal); `-o wide` and pipes get every character. */
export function fitToTerminal(text: string, columns = atTerminal ? process.stdout.columns : undefined): string {
  if (!columns || columns < 20) return text;
  return text
    .split('\n')
    .map((line) => cutLine(line, columns))
    .join('\n');
}

/** Prints a command's data in the chosen format; `table(wide)` renders it for people. */
export function printData(format: string, data: unknown, table: (wide: boolean) => string, out: (text: string) => void): void {
  if (format === 'json') out(JSON.stringify(data, null, 2) + '\n');
  // The YAML library is loaded only for YAML output: every command's start-up counts.
  else if (format === 'yaml') out((require('yaml') as typeof import('yaml')).stringify(data, { lineWidth: 0 }));
  else if (format === 'wide') out(table(true));
  else out(fitToTerminal(table(false)));
}
