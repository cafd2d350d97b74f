import { describe, expect, it } from 'vitest';
import { buildLayout } from '../../test/fixtures/layout-builders.js';
import { buildTopology, DEFAULT_SERVER_SHAPE, type TopologyShape } from '../../test/fixtures/topology-builders.js';
import { compareWithFirstFit } from './compare-placements.js';
import { place } from './place.js';

/** A db / web / batch layout sized to the machine: a quarter, an eighth and three sixteenths of its CPUs. */
function defaultLayout(cpus: number) {
  return buildLayout({
    kernels: [
      { name: 'db', cpus: { count: cpus / 4 }, memory: '32G', devices: [{ class: 'nvme' }] },
      { name: 'web', cpus: { count: cpus / 8 }, memory: '8G', devices: [{ class: 'net' }] },
      { name: 'batch', cpus: { count: (cpus * 3) / 16 }, memory: '16G' },
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
 * it straddles nodes (100 each). Parker's placement is perfectly local on all three: 0.
 */
describe('placement against the first-fit baseline', () => {
  it.each([
    ['default server', { placed: 0, firstFit: 7740 }],
    ['one socket, siblings adjacent', { placed: 0, firstFit: 20 }],
    ['eight small nodes, no SMT', { placed: 0, firstFit: 230 }],
  ])('%s', (name, expected) => {
    const topology = buildTopology(SHAPES[name]!);
    const spec = defaultLayout(topology.cpu.length);
    const scores = compareWithFirstFit(spec, topology);
    expect(scores).toEqual(expected);
    expect(scores.placed).toBeLessThan(scores.firstFit);
    expect(place(spec, topology).diagnostics).toEqual([]);
  });
});
