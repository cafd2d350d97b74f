import { describe, expect, it } from 'vitest';
import { packIntoGroups, type GroupCapacity } from './pack-llcs.js';

const g = (group: number, node: number, capacity: number): GroupCapacity => ({ group, node, capacity });

describe('packIntoGroups', () => {
  it('is null when the groups cannot hold the count, and empty for nothing', () => {
    expect(packIntoGroups([g(0, 0, 4), g(1, 1, 4)], 9)).toBeNull();
    expect(packIntoGroups([g(0, 0, 4)], 0)).toEqual([]);
  });

  it('takes the tightest single group that holds the count', () => {
    expect(packIntoGroups([g(0, 0, 8), g(1, 0, 4), g(2, 1, 6), g(3, 1, 4)], 4)).toEqual([{ group: 1, amount: 4 }]);
    expect(packIntoGroups([g(0, 0, 8), g(1, 0, 2), g(2, 1, 6)], 5)).toEqual([{ group: 2, amount: 5 }]);
  });

  it('prefers the better-ranked node over a tighter fit', () => {
    const rank = (node: number) => [1, 0][node]!;
    expect(packIntoGroups([g(0, 0, 4), g(1, 1, 8)], 4, rank)).toEqual([{ group: 1, amount: 4 }]);
  });

  it('within one node takes the largest groups whole and the rest from the tightest fit', () => {
    // Node 1 needs 2 LLCs like node 0 but is fuller, so it goes first: 8 whole, 2 from the 2.
    expect(packIntoGroups([g(0, 0, 8), g(1, 0, 8), g(2, 1, 8), g(3, 1, 2), g(4, 1, 4)], 10)).toEqual([
      { group: 2, amount: 8 },
      { group: 3, amount: 2 },
    ]);
  });

  it('pays for a second node when that saves more LLCs than a node costs', () => {
    const node0 = Array.from({ length: 14 }, (_, i) => g(i, 0, 1));
    // One node: 13 LLCs = 100 + 130; two nodes: 2 LLCs = 200 + 20.
    expect(packIntoGroups([...node0, g(14, 1, 7), g(15, 2, 7)], 13)).toEqual([
      { group: 14, amount: 7 },
      { group: 15, amount: 6 },
    ]);
    // At 12 CPUs the two cost the same (220) and the single node wins the tie.
    expect(packIntoGroups([...node0, g(14, 1, 6), g(15, 2, 6)], 12)).toHaveLength(12);
  });

  it('spans the fewest nodes, then LLCs, across many nodes', () => {
    const groups = [g(0, 0, 4), g(1, 0, 4), g(2, 1, 4), g(3, 2, 8), g(4, 2, 2), g(5, 3, 6)];
    // No node holds 14; nodes 2 and 3 do in two LLCs (8 + 6), cheaper than any choice of three.
    expect(packIntoGroups(groups, 14)).toEqual([
      { group: 3, amount: 8 },
      { group: 5, amount: 6 },
    ]);
  });
});
