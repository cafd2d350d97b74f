import Table from 'cli-table3';
import { atTerminal, pc } from './colors.js';

const NO_BORDERS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
};

/**
 * A table for people: light borders at a terminal; in pipes and logs plain columns separated by
 * two spaces (as kubectl prints them), so grep and awk see no box drawing.
 */
export function makeTable(head: readonly string[], plain = !atTerminal): Table.Table {
  if (plain) {
    const table = new Table({ head: [...head], chars: NO_BORDERS, style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 } });
    const text = table.toString.bind(table);
    table.toString = () => text().split('\n').map((line) => line.trimEnd()).join('\n');
    return table;
  }
  return new Table({ head: head.map((h) => pc.bold(h)), style: { head: [], border: [] }, chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' } });
}
