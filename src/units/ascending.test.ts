import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ascending, sortAscending } from './ascending.js';

describe('ascending', () => {
  it('orders any list of numbers as a numeric sort does, and keeps an ordered list itself', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5000 }), { maxLength: 40 }), (list) => {
        const sorted = [...list].sort((a, b) => a - b);
        const before = [...list];
        const out = ascending(list);
        expect(out).toEqual(sorted);
        expect(list).toEqual(before);
        if (list.every((n, i) => i === 0 || list[i - 1]! <= n)) expect(out).toBe(list);
        const copy = [...list];
        expect(sortAscending(copy)).toBe(copy);
        expect(copy).toEqual(sorted);
      }),
    );
  });

  it('sorts by number, not by text', () => {
    expect(ascending([10, 9, 100])).toEqual([9, 10, 100]);
    expect(sortAscending([128, 2, 16])).toEqual([2, 16, 128]);
  });
});
