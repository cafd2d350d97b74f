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

  it('pays for a second node when that saves more LLCs (and remote memory) than a node costs', () => {
    const node0 = Array.from({ length: 15 }, (_, i) => g(i, 0, 1));
    // One node: 14 LLCs = 100 + 140; two nodes: 2 LLCs = 200 + 20, and 7 CPUs reach the memory remotely (+14).
    expect(packIntoGroups([...node0, g(15, 1, 7), g(16, 2, 7)], 14)).toEqual([
      { group: 15, amount: 7 },
      { group: 16, amount: 7 },
    ]);
    // At 13 CPUs one node costs 230 and two 232: one node wins.
    expect(packIntoGroups([...node0, g(15, 1, 7), g(16, 2, 7)], 13)).toHaveLength(13);
  });

  it('puts the memory on the node that holds the most CPUs: the node of the lowest CPU', () => {
    // 12 CPUs: nodes 0 + 1 (lowest CPU on node 0, holding 4: 8 remote) or nodes 1 + 2 (node 1 holds 8: 4 remote).
    const groups = [g(0, 0, 4), g(1, 1, 8), g(2, 2, 8)];
    expect(packIntoGroups(groups, 12)).toEqual([
      { group: 1, amount: 8 },
      { group: 2, amount: 4 },
    ]);
  });

  it('weighs what sharing a group costs (extra) against another LLC', () => {
    // One group of 8 shared with a latency kernel (+80) against two clean groups of 4 (+10).
    expect(packIntoGroups([{ group: 0, node: 0, capacity: 8, extra: 80 }, g(1, 0, 4), g(2, 0, 4)], 8)).toEqual([
      { group: 1, amount: 4 },
      { group: 2, amount: 4 },
    ]);
    // A clean group that holds it all wins at once, even a looser one.
    expect(packIntoGroups([{ group: 0, node: 0, capacity: 4, extra: 40 }, g(1, 0, 8)], 4)).toEqual([{ group: 1, amount: 4 }]);
  });

  it('takes the memory from a node its devices allow, and weighs its remote devices', () => {
    // Node 0 cannot hold the memory (its local selectors cannot be met there): node 1 must, even as a looser fit.
    expect(packIntoGroups([g(0, 0, 4), g(1, 1, 8)], 4, { memoryCost: (node) => (node === 0 ? null : 0) })).toEqual([{ group: 1, amount: 4 }]);
    // Two remote devices on node 0 (+40) against a second LLC on node 1 (+10).
    expect(packIntoGroups([g(0, 0, 8), g(1, 1, 4), g(2, 1, 4)], 8, { memoryCost: (node) => (node === 0 ? 40 : 0) })).toEqual([
      { group: 1, amount: 4 },
      { group: 2, amount: 4 },
    ]);
    // No node can: placed as without devices (the selectors then report it).
    expect(packIntoGroups([g(0, 0, 4)], 4, { memoryCost: () => null })).toEqual([{ group: 0, amount: 4 }]);
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
