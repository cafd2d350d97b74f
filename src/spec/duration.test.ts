import { describe, expect, test } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  test.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['2m', 120_000],
    ['0s', 0],
    [' 5s ', 5000],
  ])('%j is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(['', '90', '1.5s', '2h', '-1s', 's', '10 s'])('%j is refused, quoted', (text) => {
    expect(() => parseDuration(text)).toThrow(`invalid duration ${JSON.stringify(text)}: expected a whole number with ms, s or m`);
  });

  test('a number past 2^53 ms is refused', () => {
    expect(() => parseDuration('99999999999999999m')).toThrow('invalid duration "99999999999999999m": too long');
  });
});
