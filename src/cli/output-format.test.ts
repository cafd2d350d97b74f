import { describe, expect, it } from 'vitest';
import { cutLine, fitToTerminal } from './output-format.js';

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
