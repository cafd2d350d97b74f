import { describe, expect, it } from 'vitest';
import { buildLayout } from '../../test/fixtures/layout-builders.js';
import { buildTopology, DEFAULT_SERVER_SHAPE, type TopologyShape } from '../synthetic/topology-builder.js';
import { defaultServerMachine } from '../synthetic/default-server.js';
import { discover } from '../topology/discover.js';
import type { Topology } from '../topology/model.js';
import { twoSocketRoundRobin } from '../../test/fixtures/two-socket-roundrobin.js';
import { compareWithFirstFit, firstFitScore } from './compare-placements.js';
import { place } from './place.js';

/** A db / web / batch layout sized to the machine: a quarter, an eighth and three sixteenths of its cores. */
function defaultLayout(topology: Topology) {
  const threads = Math.max(...topology.cores.map((c) => c.cpus.length));
  const cores = topology.cores.length;
  const count = (share: number) => Math.max(1, Math.floor(cores * share)) * threads;
  return buildLayout({
    kernels: [
      { name: 'db', cpus: { count: count(1 / 4) }, memory: '32G', devices: [{ class: 'nvme' }] },
      { name: 'web', cpus: { count: count(1 / 8) }, memory: '8G', devices: [{ class: 'net' }] },
      { name: 'batch', cpus: { count: count(3 / 16) }, memory: '16G' },
    ],
  });
}

const SHAPES: Record<string, TopologyShape> = {
  'default server': DEFAULT_SERVER_SHAPE,
  'one socket, siblings adjacent': { packages: 1, nodesPerPackage: 1, llcsPerNode: 4, coresPerLlc: 8, threads: 2, numbering: 'compact', pci: DEFAULT_SERVER_SHAPE.pci!.map((d) => ({ ...d, node: 0 })) },
  'eight small nodes, no SMT': {
    packages: 2,
    nodesPerPackage: 4,
    llcsPerNode: 2,
    coresPerLlc: 4,
    threads: 1,
    pci: [
      { address: '0000:01:00.0', class: 'nvme', node: 0 },
      { address: '0000:21:00.0', class: 'nvme', node: 1 },
      { address: '0000:41:00.0', class: 'net', node: 2 },
      { address: '0000:61:00.0', class: 'net', node: 3 },
    ],
  },
};

/**
 * Why first-fit loses: with Linux numbering the lowest CPU numbers are one thread of each core,
 * so every core it takes is split (50 each) and its kernels run across LLC and node borders;
 * with adjacent siblings it keeps cores whole but still straddles LLCs (10 each); on small nodes
 * it straddles nodes (100 each), and its CPUs on other nodes than its memory add 2 each. Parker's
 * placement is perfectly local on all three: 0.
 */
describe('placement against the first-fit baseline', () => {
  it.each([
    ['default server', { placed: 0, firstFit: 7842 }],
    ['one socket, siblings adjacent', { placed: 0, firstFit: 20 }],
    ['eight small nodes, no SMT', { placed: 0, firstFit: 236 }],
  ])('%s', (name, expected) => {
    const topology = buildTopology(SHAPES[name]!);
    const spec = defaultLayout(topology);
    const scores = compareWithFirstFit(spec, topology);
    expect(scores).toEqual(expected);
    expect(scores.placed).toBeLessThan(scores.firstFit);
    expect(firstFitScore(spec, topology)).toBe(expected.firstFit);
    expect(place(spec, topology).diagnostics).toEqual([]);
  });
});

describe('placement against the first-fit baseline on discovered machines', () => {
  it.each([
    ['the synthetic default server', () => discover(defaultServerMachine()), { placed: 0, firstFit: 7842 }],
    ['two sockets numbered round-robin', () => discover(twoSocketRoundRobin()), { placed: 0, firstFit: 666 }],
  ])('%s', (_name, machine, expected) => {
    const topology = machine();
    const spec = defaultLayout(topology);
    const scores = compareWithFirstFit(spec, topology);
    expect(scores).toEqual(expected);
    expect(scores.placed).toBeLessThan(scores.firstFit);
    expect(place(spec, topology).diagnostics).toEqual([]);
  });
});
