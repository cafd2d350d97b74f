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

/**
 * Large output in 64 KiB pieces: written whole, a 4096-CPU machine's 2.9 MB of JSON was copied
 * twice more (the text with its newline, then its bytes), 6 MiB of peak memory (bench/discover).
 */
const PIECE = 1 << 16;

function outInPieces(text: string, out: (text: string) => void): void {
  for (let i = 0; i < text.length; ) {
    let end = Math.min(i + PIECE, text.length);
    // Never between the two halves of a character outside the BMP: each piece is encoded alone.
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    out(text.slice(i, end));
    i = end;
  }
}

/** Prints a command's data in the chosen format; `table(wide)` renders it for people. */
export function printData(format: string, data: unknown, table: (wide: boolean) => string, out: (text: string) => void): void {
  if (format === 'json') {
    outInPieces(JSON.stringify(data, null, 2), out);
    out('\n');
  }
  // The YAML library is loaded only for YAML output: every command's start-up counts.
  else if (format === 'yaml') out((require('yaml') as typeof import('yaml')).stringify(data, { lineWidth: 0 }));
  else if (format === 'wide') out(table(true));
  else out(fitToTerminal(table(false)));
}
