import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatCpuMask, parseCpuMask } from './cpumask.js';
import { MAX_CPUS } from './cpulist.js';
import { expectParseError } from '../../test/fixtures/expect-parse-error.js';


const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('parseCpuMask', () => {
  it('reads masks as sysfs prints them', () => {
    // nr_cpu_ids 2: node0/cpumap and cpu0/topology/thread_siblings of a 2-CPU VM.
    expect(parseCpuMask('3\n')).toEqual([0, 1]);
    expect(parseCpuMask('1\n')).toEqual([0]);
    // nr_cpu_ids 72: node0/cpumap of a 2 x 18-core Xeon with SMT (CPUs 0-17,36-53).
    expect(parseCpuMask('00,003ffff0,0003ffff\n')).toEqual([...range(0, 17), ...range(36, 53)]);
    // nr_cpu_ids 64 with CPU 31 and 32 either side of a group boundary.
    expect(parseCpuMask('00000001,80000000')).toEqual([31, 32]);
    expect(parseCpuMask('00000000,0000ff0f')).toEqual([0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(parseCpuMask('FFFFFFFF')).toEqual(range(0, 31));
  });

  it('reads the all-zero cpumap of a memory-only node as the empty list', () => {
    expect(parseCpuMask('00000000\n')).toEqual([]);
    expect(parseCpuMask('00,00000000,00000000')).toEqual([]);
  });

  it('refuses malformed masks with an E_PARSE error quoting the input', () => {
    for (const bad of ['', '\n', 'xyz', '0x3', '3,', ',3', '3,,3', '123456789', '00000000,123456789', '0-3', 'ff ff']) {
      expectParseError(() => parseCpuMask(bad), bad);
    }
  });
});

describe('formatCpuMask', () => {
  it('writes masks exactly as sysfs does for a given nr_cpu_ids', () => {
    expect(formatCpuMask([0, 1], 2)).toBe('3');
    expect(formatCpuMask([0], 2)).toBe('1');
    expect(formatCpuMask([...range(0, 17), ...range(36, 53)], 72)).toBe('00,003ffff0,0003ffff');
    expect(formatCpuMask([], 4)).toBe('0');
    expect(formatCpuMask([], 64)).toBe('00000000,00000000');
    expect(formatCpuMask([31, 32], 64)).toBe('00000001,80000000');
    expect(formatCpuMask(range(0, 31), 32)).toBe('ffffffff');
  });

  it('writes 8-digit groups wide enough for the highest CPU without nr_cpu_ids', () => {
    expect(formatCpuMask([0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15], 64)).toBe('00000000,0000ff0f');
    expect(formatCpuMask([40])).toBe('00000100,00000000');
    expect(formatCpuMask([])).toBe('00000000');
    // A CPU above nr_cpu_ids widens the mask rather than being dropped.
    expect(formatCpuMask([33], 2)).toBe('2,00000000');
  });

  it('refuses numbers that are not CPU ids, without allocating for them', () => {
    expectParseError(() => formatCpuMask([-1]), '-1');
    expectParseError(() => formatCpuMask([2.5]), '2.5');
    expectParseError(() => formatCpuMask([1e12]), '1000000000000');
    expectParseError(() => formatCpuMask([MAX_CPUS]), String(MAX_CPUS));
  });

  it('round-trips any set for any nr_cpu_ids: parse(format(x)) is x sorted', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 1023 }), { maxLength: 64 }), fc.integer({ min: 1, max: 1024 }), (cpus, nr) => {
        expect(parseCpuMask(formatCpuMask(cpus, nr))).toEqual([...cpus].sort((a, b) => a - b));
      }),
    );
  });

  it('round-trips kernel-shaped text: format(parse(s), nr) is s', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1024 }).chain((nr) => fc.tuple(fc.constant(nr), fc.uniqueArray(fc.integer({ min: 0, max: nr - 1 })))), ([nr, cpus]) => {
        const text = formatCpuMask(cpus, nr);
        expect(text.length).toBe(Math.ceil(nr / 32) * 9 - 1 - (8 - Math.ceil((nr % 32 || 32) / 4)));
        expect(formatCpuMask(parseCpuMask(text), nr)).toBe(text);
      }),
    );
  });
});
