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

// Characters that take no column: combining marks (variation selectors among them) and format
// characters (zero-width spaces and joiners).
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;

/**
 * Whether a code point takes two columns at a terminal: the East Asian wide and fullwidth
 * blocks (CJK, kana, Hangul, fullwidth forms) and the emoji blocks. PCI names read from a
 * machine's pci.ids may hold them.
 */
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f200 && cp <= 0x1f251) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f680 && cp <= 0x1f6ff) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x1fa70 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/** Columns a cell takes on the screen: colour codes none, wide characters two, combining marks none. */
function width(text: string): number {
  const visible = text.includes('\u001b') ? text.replace(ANSI, '') : text;
  // eslint-disable-next-line no-control-regex
  if (/^[\u0000-\u007f]*$/.test(visible)) return visible.length;
  let n = 0;
  // (The soft hyphen is a format character that terminals show.)
  for (const ch of visible) n += ZERO_WIDTH.test(ch) && ch !== '\u00ad' ? 0 : isWide(ch.codePointAt(0)!) ? 2 : 1;
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
