import { describe, expect, it } from 'vitest';
import { plural } from './plural.js';

describe('plural', () => {
  it('uses the singular for one only', () => {
    expect([0, 1, 2].map((n) => plural(n, 'step'))).toEqual(['0 steps', '1 step', '2 steps']);
    expect(plural(1, 'NUMA node')).toBe('1 NUMA node');
    expect(plural(3, 'last-level cache', 'last-level caches')).toBe('3 last-level caches');
  });
});
