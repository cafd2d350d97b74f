import { atTerminal, pc } from './colors.js';

export type Cell = string | number | null | undefined;

/** Rows pushed one by one, drawn by toString(). */
export interface TextTable {
  push(...rows: Cell[][]): number;
  toString(): string;
}

// ANSI colour codes take no room on the screen.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

// A cell is one line: a newline or other control character (in a name read from a machine)
// would break the columns, so it shows as a space. Colour codes are kept.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001a\u001c-\u001f\u007f]/g;

function cellText(cell: Cell): string {
  const text = cell === null || cell === undefined ? '' : String(cell);
  return text.replace(CONTROL, ' ');
}

/** Columns a cell takes: one per character (code point), colour codes none. */
function width(text: string): number {
  const visible = text.includes('\u001b') ? text.replace(ANSI, '') : text;
  let n = 0;
  for (const _ of visible) n++;
  return n;
}

/**
 * A table for people: light borders at a terminal; in pipes and logs plain columns separated by
 * two spaces (as kubectl prints them), so grep and awk see no box drawing. Drawn here rather
 * than by a table library: a 255-kernel plan spent 95 ms of its 0.9 s in one (bench/plan), for
 * what is padding. The drawing is the one cli-table3 gave (test/table-drawing.test.ts).
 */
export function makeTable(head: readonly string[], plain = !atTerminal): TextTable {
  const rows: string[][] = [plain ? [...head] : head.map((h) => pc.bold(h))];
  return {
    push(...more: Cell[][]) {
      for (const row of more) rows.push(row.map(cellText));
      return rows.length - 1;
    },
    toString() {
      const columns = Math.max(...rows.map((row) => row.length));
      const widths = new Array<number>(columns).fill(0);
      const cellWidths = rows.map((row) => row.map((cell, i) => {
        const w = width(cell);
        if (w > widths[i]!) widths[i] = w;
        return w;
      }));
      const lines: string[] = [];
      if (plain) {
        rows.forEach((row, r) => {
          let line = '';
          for (let i = 0; i < columns; i++) {
            const cell = row[i] ?? '';
            line += i === 0 ? '' : '  ';
            line += cell + ' '.repeat(widths[i]! - (cellWidths[r]![i] ?? 0));
          }
          lines.push(line.trimEnd());
        });
        return lines.join('\n');
      }
      const rule = (left: string, mid: string, right: string) => left + widths.map((w) => '─'.repeat(w + 2)).join(mid) + right;
      lines.push(rule('┌', '┬', '┐'));
      rows.forEach((row, r) => {
        const cells = widths.map((w, i) => ` ${row[i] ?? ''}${' '.repeat(w - (cellWidths[r]![i] ?? 0))} `);
        lines.push(`│${cells.join('│')}│`);
      });
      lines.push(rule('└', '┴', '┘'));
      return lines.join('\n');
    },
  };
}
