import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareText } from './compare-text.js';

describe('compareText', () => {
  it('orders as the default sort does, whatever the strings', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' })), (words) => {
        expect([...words].sort(compareText)).toEqual([...words].sort());
      }),
    );
  });

  it('is a consistent comparator: antisymmetric, and 0 exactly for equal strings', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(Math.sign(compareText(a, b))).toBe(-Math.sign(compareText(b, a)) || 0);
        expect(compareText(a, b) === 0).toBe(a === b);
        // Random pairs are rarely equal: each string against itself too.
        expect(compareText(a, a)).toBe(0);
      }),
    );
  });

  it('puts capitals before small letters and - before _, where a collator puts them the other way', () => {
    expect(['b', 'a_b', 'a-b', 'B', 'a'].sort(compareText)).toEqual(['B', 'a', 'a-b', 'a_b', 'b']);
  });
});
