import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatCpuList } from '../../units/cpulist.js';
import { onlineAndOfflineLists } from './sim-kernel.js';

describe('onlineAndOfflineLists', () => {
  it('splits the possible CPUs into the online and offline lists', () => {
    expect(onlineAndOfflineLists([0, 1, 2, 3, 4, 5, 6, 7], new Set([0, 1, 2, 5, 7]))).toEqual({ online: '0-2,5,7', offline: '3-4,6' });
  });

  it('does not join runs across CPUs that are not possible', () => {
    expect(onlineAndOfflineLists([0, 1, 4, 5, 8], new Set([0, 1, 4, 5]))).toEqual({ online: '0-1,4-5', offline: '8' });
  });

  it('gives empty lists for nothing online or nothing offline', () => {
    expect(onlineAndOfflineLists([0, 1, 2], new Set([0, 1, 2]))).toEqual({ online: '0-2', offline: '' });
    expect(onlineAndOfflineLists([0, 1, 2], new Set())).toEqual({ online: '', offline: '0-2' });
  });

  it('still lists an online CPU that is not possible', () => {
    expect(onlineAndOfflineLists([0, 1], new Set([0, 9]))).toEqual({ online: '0,9', offline: '1' });
  });

  it('prints what formatCpuList prints for each part', () => {
    const machine = fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { maxLength: 120 }).map((cpus) => cpus.sort((a, b) => a - b));
    fc.assert(
      fc.property(
        machine.chain((possible) => fc.tuple(fc.constant(possible), fc.subarray(possible))),
        ([possible, online]) => {
          const onlineSet = new Set(online);
          expect(onlineAndOfflineLists(possible, onlineSet)).toEqual({
            online: formatCpuList(online),
            offline: formatCpuList(possible.filter((c) => !onlineSet.has(c))),
          });
        },
      ),
    );
  });
});
