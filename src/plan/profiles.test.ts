import { describe, expect, it } from 'vitest';
import { renderCmdline } from './cmdline-params.js';
import { profileParams } from './profiles.js';

describe('profileParams', () => {
  it('adds nothing for balanced', () => {
    expect(profileParams('balanced', 8)).toEqual([]);
  });

  it('isolates every CPU but the kernel own CPU 0 for latency', () => {
    expect(renderCmdline(profileParams('latency', 8))).toBe('nohz_full=1-7 rcu_nocbs=1-7 irqaffinity=0 skew_tick=1');
    expect(renderCmdline(profileParams('latency', 2))).toBe('nohz_full=1 rcu_nocbs=1 irqaffinity=0 skew_tick=1');
    expect(profileParams('latency', 1)).toEqual([{ key: 'skew_tick', value: '1', source: 'profile', reason: 'profile latency' }]);
  });

  it('never adds idle tuning that H08 would report', () => {
    const keys = (['balanced', 'latency', 'throughput'] as const).flatMap((p) => profileParams(p, 16).map((x) => x.key));
    expect(keys.filter((k) => k === 'idle' || k.endsWith('max_cstate'))).toEqual([]);
  });

  it('turns transparent huge pages on for throughput', () => {
    expect(profileParams('throughput', 4)).toEqual([{ key: 'transparent_hugepage', value: 'always', source: 'profile', reason: 'profile throughput' }]);
  });
});
