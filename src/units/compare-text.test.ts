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

  it('is a consistent comparator: antisymmetric, zero only for equal strings', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(Math.sign(compareText(a, b)) + Math.sign(compareText(b, a))).toBe(0);
        expect(compareText(a, b) === 0).toBe(a === b);
      }),
    );
  });

  it('puts capitals before small letters and does not ignore punctuation, unlike a collator', () => {
    expect(['b', 'a-b', 'ab', 'B', 'a'].sort(compareText)).toEqual(['B', 'a', 'a-b', 'ab', 'b']);
  });
});
