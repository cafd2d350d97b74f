import Table from 'cli-table3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeTable } from '../src/cli/table.js';
import picocolors from 'picocolors';
import { pc } from '../src/cli/colors.js';

const colours = picocolors.createColors(true);

// src/cli/table.ts draws the tables itself; this checks that they come out as the table
// library drew them before (same options as then), byte for byte, for plain and bordered.

const NO_BORDERS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
};

function libraryDrawing(head: string[], rows: (string | number)[][], plain: boolean): string {
  if (plain) {
    const table = new Table({ head: [...head], chars: NO_BORDERS, style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 } });
    table.push(...rows);
    return table.toString().split('\n').map((line) => line.trimEnd()).join('\n');
  }
  const table = new Table({ head: head.map((h) => pc.bold(h)), style: { head: [], border: [] }, chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' } });
  table.push(...rows);
  return table.toString();
}

const word = fc.stringMatching(/^[a-z0-9:.,()\- ]{0,14}$/);
// Coloured as the commands colour: picocolors, around a non-empty text.
const coloured = fc.tuple(fc.stringMatching(/^[a-z0-9-]{1,10}$/), fc.constantFrom(colours.green, colours.red, colours.bold, colours.dim)).map(([w, paint]) => paint(w));
const cell = fc.oneof(word, fc.nat({ max: 100000 }), coloured);

describe('makeTable', () => {
  it('draws what the table library drew, plain and with borders', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }).chain((columns) =>
          fc.tuple(fc.array(fc.stringMatching(/^[a-z][a-z ()]{0,10}$/), { minLength: columns, maxLength: columns }), fc.array(fc.array(cell, { minLength: columns, maxLength: columns }), { maxLength: 8 })),
        ),
        fc.boolean(),
        ([head, rows], plain) => {
          const ours = makeTable(head, plain);
          for (const row of rows) ours.push(row);
          expect(ours.toString()).toBe(libraryDrawing(head, rows, plain));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('pads by what shows on the screen, not by colour codes', () => {
    const t = makeTable(['state', 'n'], true);
    t.push(['\u001b[32mrunning\u001b[39m', 1]);
    t.push(['off', 22]);
    expect(t.toString()).toBe('state    n\n\u001b[32mrunning\u001b[39m  1\noff      22');
  });

  it('pads by the columns characters take on the screen: wide ones two, combining marks none', () => {
    const head = ['address', 'name', 'node'];
    const rows = [
      ['0000:01:00.0', 'Réseau µ-virtio 网卡', 0],
      ['0000:02:00.0', '株式会社 ﾃｽﾄ', 1],
      ['0000:03:00.0', 'Cafe\u0301 Ｆｕｌｌ 한국', 2],
      ['0000:04:00.0', 'plain 🚀 🥰 soft\u00adhyphen', 3],
    ];
    for (const plain of [true, false]) {
      const table = makeTable(head, plain);
      table.push(...rows);
      expect(table.toString()).toBe(libraryDrawing(head, rows, plain));
    }
  });

  it('keeps a cell on one line: a newline or control character in it shows as a space', () => {
    const t = makeTable(['name', 'n'], true);
    t.push(['evil\nname\r\u0007', 1]);
    expect(t.toString()).toBe(`${'name'.padEnd(11)}  n\n${'evil name'.padEnd(11)}  1`);
  });
});
