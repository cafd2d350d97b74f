import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParkerError } from '../units/parker-error.js';
import {
  DEFAULT_SYNTHETIC_CMDLINE,
  formatSyntheticDescription,
  parseSyntheticDescription,
  syntheticCounts,
  type SyntheticDescription,
} from './description.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;

function parseError(input: string): ParkerError {
  try {
    parseSyntheticDescription(input);
  } catch (e) {
    if (e instanceof ParkerError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused`);
}

describe('parseSyntheticDescription', () => {
  it('fills every default around the two required levels', () => {
    expect(parseSyntheticDescription('pack:1 core:2')).toEqual<SyntheticDescription>({
      levels: { pack: 1, die: 1, numa: 1, l3: 1, l2: null, core: 2, pu: 1 },
      memPerNode: 16 * GiB,
      blockSize: null,
      distances: { local: 10, samePackage: 12, remote: 32, memoryOnly: 20 },
      numbering: 'linux',
      memoryOnlyNodes: 0,
      memoryOnlyNodeMem: 64 * GiB,
      nvmePerNode: 0,
      nicPerNode: 0,
      cmdline: DEFAULT_SYNTHETIC_CMDLINE,
      pciDevices: [],
    });
  });

  it('reads every key', () => {
    const d = parseSyntheticDescription(
      'pack:2 die:2 numa:2 l3:2 l2:2 core:4 pu:2 mem:8G block:1G dist:10,11,30,40 numbering:compact ' +
        'memnodes:2 memnode-mem:32G nvme:2 nic:1 cmdline:"ro quiet parker_cma=8G"',
    );
    expect(d).toEqual<SyntheticDescription>({
      levels: { pack: 2, die: 2, numa: 2, l3: 2, l2: 2, core: 4, pu: 2 },
      memPerNode: 8 * GiB,
      blockSize: GiB,
      distances: { local: 10, samePackage: 11, remote: 30, memoryOnly: 40 },
      numbering: 'compact',
      memoryOnlyNodes: 2,
      memoryOnlyNodeMem: 32 * GiB,
      nvmePerNode: 2,
      nicPerNode: 1,
      cmdline: 'ro quiet parker_cma=8G',
      pciDevices: [],
    });
    expect(syntheticCounts(d)).toEqual({ cpus: 256, cores: 128, cpuNodes: 8, nodes: 10, coresPerPackage: 64 });
  });

  it('counts each level per parent: the default server has 256 CPUs', () => {
    const d = parseSyntheticDescription('pack:2 numa:2 l3:4 core:8 pu:2');
    expect(syntheticCounts(d)).toEqual({ cpus: 256, cores: 128, cpuNodes: 4, nodes: 4, coresPerPackage: 64 });
  });

  it("accepts hwloc's level names, any case, and extra spaces", () => {
    const d = parseSyntheticDescription('  Package:2  NUMANode:2 L3Cache:2 Core:4 PU:2 ');
    expect(d.levels).toEqual({ pack: 2, die: 1, numa: 2, l3: 2, l2: null, core: 4, pu: 2 });
    expect(parseSyntheticDescription('socket:1 node:2 core:2 thread:4').levels).toEqual({
      pack: 1,
      die: 1,
      numa: 2,
      l3: 1,
      l2: null,
      core: 2,
      pu: 4,
    });
  });

  it('takes roundrobin numbering, two-value-less distances and memparse sizes', () => {
    const d = parseSyntheticDescription('pack:2 core:2 numbering:roundrobin dist:10,16,22 mem:0x40000000 block:256M');
    expect(d.numbering).toBe('roundrobin');
    expect(d.distances).toEqual({ local: 10, samePackage: 16, remote: 22, memoryOnly: 20 });
    expect(d.memPerNode).toBe(GiB);
    expect(d.blockSize).toBe(256 * MiB);
  });

  it('keeps quoted command lines whole, with escaped quotes and backslashes', () => {
    expect(parseSyntheticDescription('pack:1 core:1 cmdline:quiet').cmdline).toBe('quiet');
    expect(parseSyntheticDescription('pack:1 core:1 cmdline:""').cmdline).toBe('');
    expect(parseSyntheticDescription('cmdline:"a  \\"b c\\" d\\\\e" pack:1 core:1').cmdline).toBe('a  "b c" d\\e');
  });
});

describe('synthetic description errors', () => {
  const cases: [input: string, message: string, hint: string][] = [
    ['pack:2 cores:8', 'unknown key "cores" in "cores:8"', 'valid keys: pack, die, numa, l3, l2, core, pu, mem, block'],
    ['pack:2 core:8 numa:2', '"numa:2" comes after "core"', 'levels go from the outside in: pack die numa l3 l2 core pu'],
    ['pack:2 core:0', '"core:0" must be at least 1', 'leave the key out to mean 1'],
    ['pack:0 core:1', '"pack:0" must be at least 1', 'at least 1'],
    ['pack:16 numa:2 core:64 pu:8', 'it has 16384 CPUs', 'at most 8192 CPUs'],
    ['pack:2 core:eight', '"core:eight" is not a whole number', 'such as "core:2"'],
    ['pack:2 numa:2(memory=64GB) core:4', '"numa:2(memory=64GB)" is not a whole number', 'write "numa:2 mem:64G"'],
    ['pack:1 core:2 mem:lots', '"mem:lots" is not a size', 'such as "mem:64G"'],
    ['pack:1 core:2 mem:100M', '"mem:100M" is not a whole number of 128M sections', 'multiple of 128M'],
    ['pack:1 core:2 block:192M', '"block:192M" is not a power of two from 128M to 64G', 'block:2G'],
    ['pack:1 core:2 block:64M', '"block:64M" is not a power of two from 128M to 64G', 'block:128M'],
    ['pack:1 core:2 dist:10,20', '"dist:10,20" is not LOCAL,SAMEPACKAGE,REMOTE[,MEMORYONLY]', 'dist:10,12,32'],
    ['pack:1 core:2 dist:12,20,30', 'the local distance 12 is not 10', 'Linux requires 10'],
    ['pack:1 core:2 dist:10,10,30', 'the same-package distance 10 is out of range', '11 to 254'],
    ['pack:1 core:2 dist:10,20,255', 'the remote distance 255 is out of range', '11 to 254'],
    ['pack:1 core:2 numbering:scatter', 'unknown numbering in "numbering:scatter"', 'linux, compact, roundrobin'],
    ['core:4', 'no "pack" level', 'pack:2 core:8'],
    ['pack:2 pu:2', 'no "core" level', 'pack:2 core:8'],
    ['pack:1 pack:2 core:1', '"pack" appears twice', 'each key once'],
    ['pack:1 socket:2 core:1', '"pack" appears twice', 'each key once'],
    ['pack:1 core:2 mem', '"mem" is not KEY:VALUE', 'valid keys'],
    ['pack:1 core:2 cmdline:"ro', 'a double quote is not closed', 'cmdline:"ro quiet"'],
    ['pack:1 core:2 cmdline:"ro"x', 'text after the closing quote in "cmdline:"ro"x"', 'quote the whole value'],
    ['pack:1 core:2 memnode-mem:8G', '"memnode-mem" without memory-only nodes', 'memnodes:1'],
    ['pack:1 core:2 nvme:20 nic:12', '32 PCI devices per node', 'lower nvme or nic'],
    ['', 'it is empty', 'pack:1 core:4 pu:2'],
  ];

  it.each(cases)('%j', (input, message, hint) => {
    const error = parseError(input);
    expect(error.code).toBe('E_SYNTHETIC');
    expect(error.message).toBe(`invalid synthetic description ${JSON.stringify(input)}: ${message}`);
    expect(error.hint).toContain(hint);
  });
});

describe('formatSyntheticDescription', () => {
  it('prints the canonical string: levels that are not 1, attributes that are not defaults', () => {
    const d = parseSyntheticDescription('pack:2 die:1 numa:2 l3:4 core:8 pu:2 mem:64G block:2G dist:10,12,32 numbering:linux');
    expect(formatSyntheticDescription(d)).toBe('pack:2 numa:2 l3:4 core:8 pu:2 mem:64G block:2G');
    expect(formatSyntheticDescription(parseSyntheticDescription('pack:1 core:2 pu:1'))).toBe('pack:1 core:2');
    expect(
      formatSyntheticDescription(
        parseSyntheticDescription('PACKAGE:1 l2:1 core:4 memnodes:1 dist:10,12,32,30 cmdline:"ro  \\"x\\"" nvme:1 nic:2 numbering:roundrobin'),
      ),
    ).toBe('pack:1 l2:1 core:4 dist:10,12,32,30 numbering:roundrobin memnodes:1 nvme:1 nic:2 cmdline:"ro  \\"x\\""');
  });

  it('round-trips every description: parse(format(d)) equals d', () => {
    const level = fc.integer({ min: 1, max: 3 });
    const arbitrary = fc.record({
      levels: fc.record({ pack: level, die: level, numa: level, l3: level, l2: fc.option(level, { nil: null }), core: level, pu: level }),
      memPerNode: fc.integer({ min: 1, max: 512 }).map((n) => n * 128 * MiB),
      blockSize: fc.integer({ min: 27, max: 36 }).map((shift) => 2 ** shift),
      distances: fc.record({
        local: fc.constant(10),
        samePackage: fc.integer({ min: 11, max: 254 }),
        remote: fc.integer({ min: 11, max: 254 }),
        memoryOnly: fc.integer({ min: 11, max: 254 }),
      }),
      numbering: fc.constantFrom('linux' as const, 'compact' as const, 'roundrobin' as const),
      memoryOnlyNodes: fc.integer({ min: 0, max: 3 }),
      memoryOnlyNodeMem: fc.integer({ min: 1, max: 64 }).map((n) => n * GiB),
      nvmePerNode: fc.integer({ min: 0, max: 3 }),
      nicPerNode: fc.integer({ min: 0, max: 3 }),
      cmdline: fc.oneof(fc.constant(DEFAULT_SYNTHETIC_CMDLINE), fc.string(), fc.constant('a "quoted" \\ value')),
      pciDevices: fc.constant<SyntheticDescription['pciDevices']>([]),
    });
    fc.assert(
      fc.property(arbitrary, (raw) => {
        // memnode-mem only exists with memory-only nodes.
        const d: SyntheticDescription = raw.memoryOnlyNodes === 0 ? { ...raw, memoryOnlyNodeMem: 64 * GiB } : raw;
        const text = formatSyntheticDescription(d);
        expect(parseSyntheticDescription(text)).toEqual(d);
        expect(formatSyntheticDescription(parseSyntheticDescription(text))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});
