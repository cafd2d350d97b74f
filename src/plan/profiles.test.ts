import { describe, expect, it } from 'vitest';
import { renderCmdline } from './cmdline-params.js';
import { applicationCpuNumbers, housekeepingCpus, profileParams } from './profiles.js';
import { buildCommandLines } from './command-lines.js';
import { place } from './place.js';
import { buildLayout } from '../../test/fixtures/layout-builders.js';
import { defaultServerLikeTopology } from '../synthetic/topology-builder.js';
import { parseCpuList } from '../units/cpulist.js';
import { parkerInterface } from '../../test/fixtures/kernel-interface.js';

describe('profileParams', () => {
  it('adds nothing for balanced', () => {
    expect(profileParams('balanced', 8)).toEqual([]);
  });

  it('isolates every CPU but the kernel own CPU 0 for latency', () => {
    expect(renderCmdline(profileParams('latency', 8))).toBe('nohz_full=1-7 rcu_nocbs=1-7 irqaffinity=0 skew_tick=1');
    expect(renderCmdline(profileParams('latency', 2))).toBe('nohz_full=1 rcu_nocbs=1 irqaffinity=0 skew_tick=1');
    expect(profileParams('latency', 1)).toEqual([{ key: 'skew_tick', value: '1', source: 'profile', reason: 'profile latency' }]);
  });

  it('keeps the whole housekeeping core out of nohz_full and rcu_nocbs', () => {
    // 32 CPUs whose logical CPU 0's sibling is logical 16 (Linux numbering: 32-47,160-175).
    expect(renderCmdline(profileParams('latency', 32, [0, 16]))).toBe('nohz_full=1-15,17-31 rcu_nocbs=1-15,17-31 irqaffinity=0,16 skew_tick=1');
    // One core of two threads: nothing left to isolate.
    expect(renderCmdline(profileParams('latency', 2, [0, 1]))).toBe('skew_tick=1');
  });

  it('never adds idle tuning that H08 would report', () => {
    const keys = (['balanced', 'latency', 'throughput'] as const).flatMap((p) => profileParams(p, 16).map((x) => x.key));
    expect(keys.filter((k) => k === 'idle' || k.endsWith('max_cstate'))).toEqual([]);
  });

  it('turns transparent huge pages on for throughput', () => {
    expect(profileParams('throughput', 4)).toEqual([{ key: 'transparent_hugepage', value: 'always', source: 'profile', reason: 'profile throughput' }]);
  });
});

describe('CPU numbers inside an application kernel', () => {
  it('are the partition CPUs in ascending order: the lowest is its CPU 0 (apic_ids[] order)', () => {
    expect([...applicationCpuNumbers([160, 32, 33, 161])]).toEqual([
      [32, 0],
      [33, 1],
      [160, 2],
      [161, 3],
    ]);
  });

  it('give the housekeeping core as logical CPU 0 and the siblings the kernel has', () => {
    const siblingsOf = (cpu: number) => [cpu % 128, (cpu % 128) + 128];
    expect(housekeepingCpus(parseCpuList('32-47,160-175'), siblingsOf)).toEqual([0, 16]);
    // Siblings adjacent: CPUs 8-15, core {8,9}.
    expect(housekeepingCpus(parseCpuList('8-15'), (cpu) => [cpu - (cpu % 2), cpu - (cpu % 2) + 1])).toEqual([0, 1]);
    // A split core: the sibling is another kernel's, only logical CPU 0 is kept.
    expect(housekeepingCpus(parseCpuList('33-47,162-175'), siblingsOf)).toEqual([0]);
  });

  it('db on 32-47,160-175 of the default server keeps CPU 32 and its sibling 160 (its 0 and 16) for housekeeping', () => {
    const topology = defaultServerLikeTopology();
    const spec = buildLayout({ kernels: [{ name: 'db', profile: 'latency', cpus: '32-47,160-175' }] });
    const { placement } = place(spec, topology);
    const { cmdlines } = buildCommandLines(spec, placement, topology, parkerInterface.cmdline);
    expect(cmdlines[0]!.text).toContain('nohz_full=1-15,17-31 rcu_nocbs=1-15,17-31 irqaffinity=0,16 skew_tick=1');
    // Logical 16 is host CPU 160, CPU 32's other thread.
    expect([...applicationCpuNumbers(placement.kernels[0]!.cpus)].find(([, logical]) => logical === 16)?.[0]).toBe(160);
  });
});
