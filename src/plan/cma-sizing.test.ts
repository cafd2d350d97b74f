import { describe, expect, it } from 'vitest';
import { cmaNeeds, formatParkerCma } from './cma-sizing.js';
import { parkerCmaParameter, parseParkerCma } from '../units/parker-cma.js';
import type { KernelPlacement, Placement } from './resolved-layout.js';

const GIB = 2 ** 30;

function kernel(name: string, memoryNode: number | null, memoryBytes: number): KernelPlacement {
  return { name, index: 0, cpus: [], memoryBytes, memoryNode, devices: [], quality: { nodes: [], llcs: [], splitCores: 0, remoteDevices: [] } };
}

describe('cmaNeeds', () => {
  it('adds each kernel rounded up to whole GiB to its memory node, nodes ascending', () => {
    const placement: Placement = {
      boot: { cpus: [0], devices: [] },
      kernels: [kernel('a', 2, 16 * GIB), kernel('b', 0, 512 * 2 ** 20), kernel('c', 2, 1.5 * GIB), kernel('d', null, 4 * GIB), kernel('e', 1, 0)],
      score: 0,
    };
    expect([...cmaNeeds(placement)]).toEqual([
      [0, GIB],
      [2, 18 * GIB],
    ]);
  });
});

describe('parker_cma values', () => {
  it('formats NID:SIZE in G, nodes ascending, rounding up', () => {
    expect(formatParkerCma(new Map([[3, 48 * GIB], [0, 16 * GIB + 1]]))).toBe('0:17G,3:48G');
    expect(formatParkerCma(new Map())).toBe('');
  });

  it('reads what it formats, and a bare size split over the nodes', () => {
    expect([...parseParkerCma('0:48G,1:512M', [0, 1])]).toEqual([
      [0, 48 * GIB],
      [1, GIB],
    ]);
    expect([...parseParkerCma('10G', [1, 0, 2, 3])]).toEqual([
      [0, 3 * GIB],
      [1, 3 * GIB],
      [2, 3 * GIB],
      [3, 3 * GIB],
    ]);
  });

  it('refuses malformed values, quoting them', () => {
    expect(() => parseParkerCma('0:48G,0:4G', [0])).toThrow('invalid parker_cma value "0:48G,0:4G": node 0 is named twice');
    expect(() => parseParkerCma('0=4G', [0])).toThrow('invalid parker_cma value "0=4G": "0=4G" is not a size such as 16G');
    expect(() => parseParkerCma('0:lots', [0])).toThrow('"lots" is not a size such as 16G');
  });

  it('finds the last parker_cma= of a command line', () => {
    expect(parkerCmaParameter('ro parker_cma=1G quiet parker_cma=0:4G')).toBe('0:4G');
    expect(parkerCmaParameter('ro quiet')).toBeNull();
    expect(parkerCmaParameter(null)).toBeNull();
  });
});
