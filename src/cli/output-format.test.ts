import { describe, expect, it } from 'vitest';
import { cutLine, fitToTerminal, printData } from './output-format.js';

describe('fitting tables to the terminal', () => {
  it('cuts long lines to the width with an ellipsis, leaves short ones', () => {
    expect(cutLine('0123456789', 20)).toBe('0123456789');
    expect(cutLine('0123456789abcdefghijklmnop', 20)).toBe('0123456789abcdefghi…');
    expect(cutLine('0123456789abcdefghijklmnop', 20)).toHaveLength(20);
  });

  it('does not count colour codes as characters', () => {
    const red = '\u001b[31mred\u001b[39m';
    const plain = (text: string) => text.replaceAll('\u001b[31m', '').replaceAll('\u001b[39m', '').replaceAll('\u001b[0m', '');
    expect(plain(cutLine(`${red} 0123456789abcdefghijklmnop`, 20))).toBe('red 0123456789abcde…');
    expect(cutLine(`${red} ok`, 20)).toBe(`${red} ok`);
  });

  it('leaves text alone without a terminal width', () => {
    const long = 'x'.repeat(300);
    expect(fitToTerminal(long, undefined)).toBe(long);
    expect(fitToTerminal(`${long}\nshort`, 80).split('\n').map((l) => l.length)).toEqual([80, 5]);
  });
});

describe('JSON output', () => {
  it('is written in pieces that each encode alone and together are the whole document', () => {
    // Long enough for several pieces, with characters outside the BMP on every boundary.
    const data = { names: Array.from({ length: 40_000 }, (_, i) => (i % 3 === 0 ? `d\u{1F600}${i}` : `dev${i}`)) };
    const pieces: string[] = [];
    printData('json', data, () => '', (text) => pieces.push(text));
    expect(pieces.length).toBeGreaterThan(3);
    expect(pieces.join('')).toBe(JSON.stringify(data, null, 2) + '\n');
    const bytes = Buffer.concat(pieces.map((p) => Buffer.from(p, 'utf8')));
    expect(bytes.toString('utf8')).toBe(JSON.stringify(data, null, 2) + '\n');
  });

  it('never cuts a character outside the BMP in two at a piece boundary', () => {
    // '{\n  "a": "' is 10 characters: the emoji's first half lands on the last place of the first piece.
    const data = { a: `${'x'.repeat(65_535 - 10)}\u{1F600}tail` };
    const pieces: string[] = [];
    printData('json', data, () => '', (text) => pieces.push(text));
    expect(Buffer.concat(pieces.map((p) => Buffer.from(p, 'utf8'))).toString('utf8')).toBe(JSON.stringify(data, null, 2) + '\n');
  });
});
