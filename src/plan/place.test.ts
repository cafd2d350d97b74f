import { describe, expect, it } from 'vitest';
import { buildLayout, type KernelInput } from '../../test/fixtures/layout-builders.js';
import { buildTopology, defaultServerLikeTopology, type TopologyShape } from '../synthetic/topology-builder.js';
import { place } from './place.js';

/**
 * 16 CPUs: 2 nodes x 2 LLCs x 2 cores x 2 threads, Linux numbering (siblings n and n+8),
 * caches listed as LLCs only, so quality.llcs are the LLC numbers:
 *   node 0: LLC 0 = cores {0,8} {1,9}     LLC 1 = cores {2,10} {3,11}
 *   node 1: LLC 2 = cores {4,12} {5,13}   LLC 3 = cores {6,14} {7,15}
 * CPU 0's core {0,8} always stays with the boot kernel.
 */
const TINY: TopologyShape = {
  packages: 1,
  nodesPerPackage: 2,
  llcsPerNode: 2,
  coresPerLlc: 2,
  threads: 2,
  caches: 'llc',
  pci: [
    { address: '0000:01:00.0', class: 'nvme', node: 0 },
    { address: '0000:40:01.0', class: 'bridge', node: 1 },
    { address: '0000:41:00.0', class: 'nvme', node: 1, parent: '0000:40:01.0' },
    { address: '0000:42:00.0', class: 'nvme', node: 1 },
    { address: '0000:43:00.0', class: 'net', node: 1, iommuGroup: 7 },
    { address: '0000:43:00.1', class: 'net', node: 1, iommuGroup: 7 },
    { address: '0000:44:00.0', class: 'net', node: 1 },
    { address: '0001:41:00.0', class: 'nvme', node: 1 },
  ],
};
const tiny = buildTopology(TINY);

function placeOn(kernels: KernelInput[], boot?: { cpus?: string | { count: number }; devices?: string[] }) {
  return place(buildLayout({ kernels, ...(boot ? { boot } : {}) }), tiny);
}

function cpusOf(kernels: KernelInput[], boot?: { cpus?: string | { count: number }; devices?: string[] }) {
  const result = placeOn(kernels, boot);
  expect(result.diagnostics).toEqual([]);
  return result.placement.kernels.map((k) => k.cpus);
}

describe('packed (whole cores)', () => {
  it('fills the tightest LLC that holds the request: the fragmented one first', () => {
    expect(cpusOf([{ name: 'a', cpus: { count: 2 } }])).toEqual([[1, 9]]);
  });

  it('takes one whole LLC when one fits, the lowest of equally tight ones', () => {
    const { placement } = placeOn([{ name: 'a', cpus: { count: 4 } }]);
    expect(placement.kernels[0]).toMatchObject({ cpus: [2, 3, 10, 11], memoryNode: 0, quality: { nodes: [0], llcs: [1], splitCores: 0, remoteDevices: [] } });
    expect(placement.score).toBe(0);
  });

  it('stays on one node, preferring the fuller node, when no LLC holds it', () => {
    const { placement } = placeOn([{ name: 'a', cpus: { count: 6 } }]);
    expect(placement.kernels[0]).toMatchObject({ cpus: [1, 2, 3, 9, 10, 11], memoryNode: 0, quality: { nodes: [0], llcs: [0, 1] } });
    // 6 CPUs need 2 LLCs and 1 node at best: nothing to pay.
    expect(placement.score).toBe(0);
  });

  it('spans the fewest nodes and LLCs when no node holds it, first CPU on the node with most CPUs', () => {
    const { placement } = placeOn([{ name: 'a', cpus: { count: 10 } }]);
    expect(placement.kernels[0]).toMatchObject({ cpus: [1, 2, 3, 4, 5, 9, 10, 11, 12, 13], memoryNode: 0, quality: { nodes: [0, 1], llcs: [0, 1, 2] } });
    // 10 CPUs fit in 2 nodes and 3 LLCs at best on this machine, and at best 2 of them (beyond
    // a node of 8) reach the memory remotely. Node 0 has only 6 free CPUs (CPU 0's core is the
    // boot kernel's) and holds the lowest CPUs, so its memory is there: 4 remote CPUs, 2 more
    // than must be (+2 x 2). Putting 8 on node 1 would not help: the lowest CPU would still be
    // node 0's, with 8 CPUs remote.
    expect(placement.kernels[0]!.quality.remoteMemoryCpus).toBe(4);
    expect(placement.score).toBe(4);
  });

  it('places kernels in spec order around what the earlier ones took', () => {
    expect(cpusOf([{ name: 'a', cpus: { count: 4 } }, { name: 'b', cpus: { count: 4 } }, { name: 'c', cpus: { count: 2 } }])).toEqual([
      [2, 3, 10, 11],
      [4, 5, 12, 13],
      [1, 9],
    ]);
  });
});

describe('granularity', () => {
  it('thread: takes whole cores first, then one thread, counting the split core', () => {
    const { placement, diagnostics } = placeOn([{ name: 'a', cpus: { count: 3, granularity: 'thread' } }]);
    expect(diagnostics).toEqual([]);
    expect(placement.kernels[0]).toMatchObject({ cpus: [2, 3, 10], quality: { llcs: [1], splitCores: 1 } });
    expect(placement.score).toBe(50);
  });

  it('thread: uses the free thread of a split core before splitting another', () => {
    expect(cpusOf([{ name: 'a', cpus: { count: 3, granularity: 'thread' } }, { name: 'b', cpus: { count: 1, granularity: 'thread' } }])).toEqual([[2, 3, 10], [11]]);
  });

  it('core: refuses a count that is not whole cores, with the counts that are', () => {
    const { placement, diagnostics } = placeOn([{ name: 'odd', cpus: { count: 3 } }]);
    expect(placement.kernels[0]!.cpus).toEqual([]);
    expect(diagnostics).toEqual([
      {
        severity: 'error',
        rule: 'cpu-count-whole-cores',
        message: 'kernel "odd" asks for 3 CPUs, but a core has 2 threads and granularity: core takes whole cores only',
        fix: 'set count to 2 or 4, or add granularity: thread to allow a split core',
        path: ['kernels', 0, 'cpus', 'count'],
        kernels: ['odd'],
      },
    ]);
  });
});

describe('profiles', () => {
  it('a latency kernel gets an LLC nobody else is on, even listed after a kernel that would take it', () => {
    // Balanced first in the spec would take L3 1 (the tightest that holds 4) and leave the
    // latency kernel beside the boot kernel in L3 0. Latency kernels are placed first.
    const { placement } = placeOn([
      { name: 'b', cpus: { count: 4 } },
      { name: 'l', profile: 'latency', cpus: { count: 2 } },
    ]);
    const [b, l] = placement.kernels;
    expect(l).toMatchObject({ cpus: [2, 10], quality: { llcs: [1], sharedLlcs: 0 } });
    // The balanced kernel keeps out of the latency kernel's L3 while it has anywhere else to go.
    expect(b).toMatchObject({ cpus: [4, 5, 12, 13], quality: { llcs: [2], sharedLlcs: 0 } });
    expect(placement.score).toBe(0);
  });

  it('a throughput kernel takes a free LLC and keeps it; a balanced one fills the fragment beside the boot kernel', () => {
    const { placement } = placeOn([
      { name: 'b', cpus: { count: 2 } },
      { name: 't', profile: 'throughput', cpus: { count: 2 } },
    ]);
    const [b, t] = placement.kernels;
    expect(t).toMatchObject({ cpus: [2, 10], quality: { llcs: [1], sharedLlcs: 0 } });
    expect(b).toMatchObject({ cpus: [1, 9], quality: { llcs: [0], sharedLlcs: 1 } });
    // Sharing L3 0 with the boot kernel costs a balanced kernel nothing.
    expect(placement.score).toBe(0);
  });

  it('a latency kernel that must share pays for each neighbour on its LLCs', () => {
    // 6 CPUs on node 0 beside the boot kernel's core: L3 0 is shared with it (+40).
    const { placement } = placeOn([{ name: 'l', profile: 'latency', cpus: { count: 6, placement: 'nodes', nodes: [0] } }]);
    expect(placement.kernels[0]).toMatchObject({ cpus: [1, 2, 3, 9, 10, 11], quality: { sharedLlcs: 1 } });
    expect(placement.score).toBe(40);
  });
});

describe('spread and nodes', () => {
  it('spread: equal shares on every node with free cores, each packed into its LLCs', () => {
    const { placement } = placeOn([{ name: 's', cpus: { count: 8, placement: 'spread' } }]);
    expect(placement.kernels[0]).toMatchObject({ cpus: [2, 3, 4, 5, 10, 11, 12, 13], memoryNode: 0, quality: { nodes: [0, 1], llcs: [1, 2] } });
    // 8 CPUs need 1 node and 2 LLCs at best: spread pays for its second node (+100) and for
    // the 4 CPUs that reach the memory on node 0 from node 1 (+4 x 2).
    expect(placement.score).toBe(108);
  });

  it('spread over listed nodes: memory from the node of the lowest CPU (the kernel keeps a CPU mask)', () => {
    const { placement } = placeOn([{ name: 's', cpus: { count: 6, placement: 'spread', nodes: [1, 0] } }]);
    expect(placement.kernels[0]).toMatchObject({ cpus: [1, 4, 5, 9, 12, 13], memoryNode: 0, quality: { nodes: [0, 1], llcs: [0, 2] } });
  });

  it('nodes: only on the listed nodes, first CPU on the first listed node', () => {
    const { placement } = placeOn([{ name: 'n', cpus: { count: 4, placement: 'nodes', nodes: [1, 0] } }]);
    expect(placement.kernels[0]).toMatchObject({ cpus: [4, 5, 12, 13], memoryNode: 1, quality: { nodes: [1], llcs: [2] } });
  });

  it('nodes: first CPU on the first listed node even when another node holds more', () => {
    const { placement } = placeOn([{ name: 'n', cpus: { count: 10, placement: 'nodes', nodes: [0, 1] } }]);
    expect(placement.kernels[0]!.cpus[0]).toBe(1);
    expect(placement.kernels[0]!.memoryNode).toBe(0);
    expect([...placement.kernels[0]!.cpus].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 9, 10, 11, 12, 13]);
  });

  it('nodes: a node listed twice counts once', () => {
    expect(cpusOf([{ name: 'n', cpus: { count: 8, placement: 'nodes', nodes: [1, 1] } }])).toEqual([[4, 5, 6, 7, 12, 13, 14, 15]]);
    expect(placeOn([{ name: 'n', cpus: { count: 10, placement: 'nodes', nodes: [1, 1] } }]).diagnostics.map((d) => d.rule)).toEqual(['cpu-capacity']);
  });

  it('nodes: names no nodes', () => {
    expect(placeOn([{ name: 'n', cpus: { count: 4, placement: 'nodes' } }]).diagnostics).toEqual([
      {
        severity: 'error',
        rule: 'cpu-nodes-missing',
        message: 'kernel "n" uses placement: nodes but names no nodes',
        fix: 'add nodes: [0] (NUMA nodes with CPUs: 0-1), or use placement: packed',
        path: ['kernels', 0, 'cpus', 'placement'],
        kernels: ['n'],
      },
    ]);
  });

  it('nodes: names a node without CPUs', () => {
    expect(placeOn([{ name: 'n', cpus: { count: 4, placement: 'nodes', nodes: [1, 5] } }]).diagnostics).toEqual([
      {
        severity: 'error',
        rule: 'cpu-nodes-unknown',
        message: 'kernel "n" names NUMA node 5, which has no CPUs on this machine',
        fix: 'use nodes with CPUs: 0-1',
        path: ['kernels', 0, 'cpus', 'nodes', 1],
        kernels: ['n'],
      },
    ]);
  });
});

describe('capacity', () => {
  it('says how many CPUs are free and where', () => {
    const { placement, diagnostics } = placeOn([{ name: 'a', cpus: { count: 4 } }, { name: 'big', cpus: { count: 12 } }]);
    expect(placement.kernels[1]!.cpus).toEqual([]);
    expect(placement.kernels[1]!.memoryNode).toBeNull();
    expect(diagnostics).toEqual([
      {
        severity: 'error',
        rule: 'cpu-capacity',
        message:
          'kernel "big" asks for 12 CPUs but only 10 CPUs in whole free cores are left after the boot kernel and the kernels before it: node 0: 2 (1,9); node 1: 8 (4-7,12-15)',
        fix: 'lower count to 10, or take CPUs from the boot kernel or the kernels listed before it',
        path: ['kernels', 1, 'cpus', 'count'],
        kernels: ['big'],
      },
    ]);
  });

  it('on listed nodes, and suggests split cores when threads would do', () => {
    const { diagnostics } = placeOn([
      { name: 'a', cpus: { count: 3, granularity: 'thread', placement: 'nodes', nodes: [1] } },
      { name: 'b', cpus: { count: 6, placement: 'nodes', nodes: [1] } },
    ]);
    expect(diagnostics).toEqual([
      {
        severity: 'error',
        rule: 'cpu-capacity',
        message: 'kernel "b" asks for 6 CPUs but only 4 CPUs in whole free cores are left on nodes 1 after the boot kernel and the kernels before it: node 1: 4 (6-7,14-15)',
        fix: 'lower count to 4, or take CPUs from the boot kernel or the kernels listed before it, or allow more nodes',
        path: ['kernels', 1, 'cpus', 'count'],
        kernels: ['b'],
      },
    ]);
    const split = placeOn([
      { name: 'x', cpus: '4' },
      { name: 'y', cpus: '5' },
      { name: 'b', cpus: { count: 6, placement: 'nodes', nodes: [1] } },
    ]).diagnostics;
    expect(split[0]!.fix).toBe('lower count to 4, allow split cores with granularity: thread (6 CPUs free), or take CPUs from the boot kernel or the kernels listed before it, or allow more nodes');
  });
});

describe('explicit CPU lists', () => {
  it('take the CPUs written; the lowest decides the memory node (the kernel keeps a CPU mask)', () => {
    const { placement, diagnostics } = placeOn([
      { name: 'x', cpus: '12-13,4-5' },
      { name: 'y', cpus: '9,1' },
    ]);
    expect(diagnostics).toEqual([]);
    expect(placement.kernels.map((k) => [k.cpus, k.memoryNode])).toEqual([
      [[4, 5, 12, 13], 1],
      [[1, 9], 0],
    ]);
  });

  it('are never given to count-based kernels, and the boot kernel keeps the rest', () => {
    const { placement } = placeOn([
      { name: 'x', cpus: '2-3,10-11' },
      { name: 'a', cpus: { count: 4 } },
    ]);
    expect(placement.kernels[1]!.cpus).toEqual([4, 5, 12, 13]);
    expect(placement.boot.cpus).toEqual([0, 1, 6, 7, 8, 9, 14, 15]);
  });

  it('a malformed list is a diagnostic quoting it, not an exception', () => {
    expect(placeOn([{ name: 'x', cpus: '5-3' }]).diagnostics).toEqual([
      {
        severity: 'error',
        rule: 'cpu-list',
        message: 'invalid CPU list "5-3": range "5-3" runs backwards',
        fix: 'write CPUs as a kernel cpulist such as "8-15,136-143" (the lowest CPU decides the memory node), or give a count: { count: 16 }',
        path: ['kernels', 0, 'cpus'],
        kernels: ['x'],
      },
    ]);
  });

  it('a memory size the kernel would misread is a diagnostic', () => {
    const { placement, diagnostics } = placeOn([{ name: 'x', cpus: '2', memory: '016G' }]);
    expect(placement.kernels[0]!.memoryBytes).toBe(0);
    expect(diagnostics.map((d) => [d.rule, d.path])).toEqual([['memory-size', ['kernels', 0, 'memory']]]);
  });
});

describe('the boot kernel', () => {
  it('count: whole cores from CPU 0, its LLC first, and kernels place around them', () => {
    const { placement } = placeOn([{ name: 'a', cpus: { count: 4 } }], { cpus: { count: 6 } });
    expect(placement.boot.cpus).toEqual([0, 1, 2, 8, 9, 10]);
    expect(placement.kernels[0]!.cpus).toEqual([4, 5, 12, 13]);
  });

  it('count: goes on to the nearest node when its own is full', () => {
    const { placement } = placeOn([{ name: 'x', cpus: '2-3,10-11' }], { cpus: { count: 6 } });
    expect(placement.boot.cpus).toEqual([0, 1, 4, 8, 9, 12]);
  });

  it('count: rounds up to whole cores with a warning', () => {
    const { placement, diagnostics } = placeOn([], { cpus: { count: 3 } });
    expect(placement.boot.cpus).toEqual([0, 1, 8, 9]);
    expect(diagnostics).toEqual([
      {
        severity: 'warning',
        rule: 'cpu-count-whole-cores',
        message: 'the boot kernel keeps whole cores: 4 CPUs rather than 3 (a core has 2 threads)',
        fix: 'set boot.cpus.count to 4',
        path: ['boot', 'cpus', 'count'],
        kernels: ['boot'],
      },
    ]);
  });

  it('count: more than the machine has', () => {
    const { diagnostics } = placeOn([{ name: 'x', cpus: '2-3' }], { cpus: { count: 16 } });
    expect(diagnostics).toEqual([
      {
        severity: 'error',
        rule: 'cpu-capacity',
        message: 'the boot kernel asks for 16 CPUs but only 12 are in whole cores not named by the kernels',
        fix: 'lower boot.cpus.count to 12, or give the kernels fewer CPUs',
        path: ['boot', 'cpus', 'count'],
        kernels: ['boot'],
      },
    ]);
  });

  it('list: kept as written, and count-based kernels do not take it', () => {
    const { placement } = placeOn([{ name: 'a', cpus: { count: 8 } }], { cpus: '0-3,8-11' });
    expect(placement.boot.cpus).toEqual([0, 1, 2, 3, 8, 9, 10, 11]);
    expect(placement.kernels[0]!.cpus).toEqual([4, 5, 6, 7, 12, 13, 14, 15]);
  });

  it('without CPUs of its own keeps every CPU no kernel took, CPU 0 included', () => {
    const { placement } = placeOn([{ name: 'a', cpus: { count: 12 } }]);
    expect(placement.kernels[0]!.cpus).toEqual([2, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15]);
    expect(placement.boot.cpus).toEqual([0, 1, 8, 9]);
  });
});

describe('devices', () => {
  it('a selector takes the lowest free device of its class on the memory node, skipping bridges and other PCI domains', () => {
    const { placement, diagnostics } = placeOn([
      { name: 'a', cpus: '4-5', devices: [{ class: 'nvme' }] },
      { name: 'b', cpus: '6-7', devices: [{ class: 'nvme' }] },
      { name: 'c', cpus: '12', devices: [{ class: 'nvme' }] },
    ]);
    expect(placement.kernels.map((k) => k.devices)).toEqual([['0000:41:00.0'], ['0000:42:00.0'], []]);
    expect(diagnostics).toEqual([
      {
        severity: 'error',
        rule: 'device-selector',
        message:
          'kernel "c" asks for 1 nvme device on node 1 (its memory node), but none is free; devices kept by the boot kernel, bridges, devices off PCI domain 0 and functions of IOMMU groups used elsewhere are not chosen',
        fix: 'remove this selector, set local: false (1 more on other nodes), free devices listed in boot.devices or by earlier kernels, or name devices by address',
        path: ['kernels', 2, 'devices', 0],
        kernels: ['c'],
      },
    ]);
  });

  it('local: false may take a remote device, which costs in the score', () => {
    const { placement } = placeOn([{ name: 'a', cpus: '1,9', devices: [{ class: 'nvme', count: 2, local: false }] }]);
    expect(placement.kernels[0]).toMatchObject({ devices: ['0000:01:00.0', '0000:41:00.0'], quality: { remoteDevices: ['0000:41:00.0'] } });
    expect(placement.score).toBe(20);
  });

  it('never takes what the boot kernel keeps', () => {
    const { placement, diagnostics } = placeOn([{ name: 'a', cpus: '1,9', devices: [{ class: 'nvme', count: 1 }] }], { devices: ['01:00.0'] });
    expect(placement.kernels[0]!.devices).toEqual([]);
    expect(diagnostics[0]!.fix).toBe('remove this selector, set local: false (2 more on other nodes), free devices listed in boot.devices or by earlier kernels, or name devices by address');
  });

  it('takes whole IOMMU groups when they fit, and single-function groups before splitting one', () => {
    const pair = placeOn([{ name: 'a', cpus: '4', devices: [{ class: 'net', count: 2 }] }]).placement;
    expect(pair.kernels[0]!.devices).toEqual(['0000:43:00.0', '0000:43:00.1']);
    const one = placeOn([{ name: 'a', cpus: '4', devices: [{ class: 'net', count: 1 }] }]).placement;
    expect(one.kernels[0]!.devices).toEqual(['0000:44:00.0']);
  });

  it('never takes a function whose IOMMU group has a function given elsewhere', () => {
    const { placement, diagnostics } = placeOn([
      { name: 'a', cpus: '4', devices: ['43:00.1'] },
      { name: 'b', cpus: '5', devices: [{ class: 'net', count: 2 }] },
    ]);
    expect(placement.kernels.map((k) => k.devices)).toEqual([['0000:43:00.1'], ['0000:44:00.0']]);
    expect(diagnostics.map((d) => [d.rule, d.message.split(';')[0]])).toEqual([
      ['device-selector', 'kernel "b" asks for 2 net devices on node 1 (its memory node), but only 1 is free (0000:44:00.0)'],
    ]);
  });

  it('explicit addresses are normalized, go first, and the boot kernel keeps every other device', () => {
    const { placement } = placeOn([
      { name: 'a', cpus: '4', devices: [{ class: 'nvme' }] },
      { name: 'b', cpus: '5', devices: ['41:00.0'] },
    ]);
    expect(placement.kernels.map((k) => k.devices)).toEqual([['0000:42:00.0'], ['0000:41:00.0']]);
    expect(placement.boot.devices).toEqual(['0000:01:00.0', '0000:40:01.0', '0000:43:00.0', '0000:43:00.1', '0000:44:00.0', '0001:41:00.0']);
  });

  it('a packed kernel asking for a local device goes to a node that has one', () => {
    const { placement, diagnostics } = placeOn([{ name: 'a', cpus: { count: 4 }, devices: [{ class: 'net' }] }]);
    expect(diagnostics).toEqual([]);
    expect(placement.kernels[0]).toMatchObject({ cpus: [4, 5, 12, 13], memoryNode: 1, devices: ['0000:44:00.0'], quality: { remoteDevices: [] } });
  });

  it('a spread kernel takes its memory from the node of its lowest CPU', () => {
    const { placement } = placeOn([{ name: 'a', cpus: { count: 8, placement: 'spread' }, devices: [{ class: 'net' }] }]);
    expect(placement.kernels[0]).toMatchObject({ cpus: [2, 3, 4, 5, 10, 11, 12, 13], memoryNode: 0 });
  });

  it('selectors skip devices the boot kernel depends on when told which', () => {
    const spec = buildLayout({ kernels: [{ name: 'a', cpus: '1', devices: [{ class: 'nvme' }] }] });
    const { placement } = place(spec, tiny, { bootDependencies: new Map([['0000:01:00.0', 'root filesystem']]) });
    expect(placement.kernels[0]!.devices).toEqual([]);
  });
});

describe('determinism and speed', () => {
  const spec = buildLayout({
    kernels: [
      { name: 'db', cpus: { count: 64 }, memory: '32G', devices: [{ class: 'nvme' }] },
      { name: 'web', cpus: { count: 32, placement: 'spread' }, devices: [{ class: 'net' }] },
      { name: 'batch', cpus: { count: 30, granularity: 'thread' } },
      { name: 'pinned', cpus: { count: 16, placement: 'nodes', nodes: [3, 2] } },
    ],
  });

  it('same inputs, same output', () => {
    const server = defaultServerLikeTopology();
    const first = place(spec, server);
    expect(place(structuredClone(spec), structuredClone(server))).toEqual(first);
    expect(JSON.stringify(place(spec, server))).toBe(JSON.stringify(first));
  });

  it('places 255 kernels on a 4096-CPU, 16-node machine in a few milliseconds', () => {
    const big = buildTopology({ packages: 2, nodesPerPackage: 8, llcsPerNode: 8, coresPerLlc: 16, threads: 2, memoryPerNodeGiB: 256 });
    const many = buildLayout({
      kernels: Array.from({ length: 255 }, (_, i) => ({ name: `k${i}`, cpus: { count: 16, placement: i % 5 === 0 ? ('spread' as const) : ('packed' as const) } })),
    });
    const times: number[] = [];
    let result = place(many, big);
    // Warm up first: the benchmark measures the steady state, not the JIT compiling.
    for (let run = 0; run < 15; run++) place(many, big);
    for (let run = 0; run < 5; run++) {
      const start = performance.now();
      result = place(many, big);
      times.push(performance.now() - start);
    }
    expect(result.diagnostics).toEqual([]);
    expect(new Set(result.placement.kernels.flatMap((k) => k.cpus)).size).toBe(255 * 16);
    // The fastest of five runs, so that a busy machine does not fail it; about 5 ms on an idle one.
    expect(Math.min(...times)).toBeLessThan(40);
  });
});
