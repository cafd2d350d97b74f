import { describe, expect, test } from 'vitest';
import { cmdlineValue, formatParkerCma, parseParkerCma, roundUpToGiB } from './parker-cma.js';

const GIB = 2 ** 30;

describe('parker_cma=', () => {
  test('per-node form, each pool rounded up to whole GiB and at least 1 GiB', () => {
    expect(parseParkerCma('0:16G,1:1536M,3:100M', [0, 1, 3])).toEqual(
      new Map([
        [0, 16 * GIB],
        [1, 2 * GIB],
        [3, 1 * GIB],
      ]),
    );
  });

  test('a bare size is split evenly over the nodes with memory, then rounded up', () => {
    expect(parseParkerCma('5G', [0, 1])).toEqual(
      new Map([
        [0, 3 * GIB],
        [1, 3 * GIB],
      ]),
    );
    expect(parseParkerCma('64G', [])).toEqual(new Map([[0, 64 * GIB]]));
  });

  test('refuses what is neither form, quoting it', () => {
    expect(() => parseParkerCma('0:16G,x', [0])).toThrow('invalid parker_cma value "0:16G,x": expected SIZE or NID:SIZE[,NID:SIZE...], such as "0:16G,1:16G"');
    expect(() => parseParkerCma('lots', [0])).toThrow('invalid parker_cma value "lots"');
  });

  test('formats pools in node order', () => {
    expect(
      formatParkerCma(
        new Map([
          [1, 32 * GIB],
          [0, 16 * GIB],
        ]),
      ),
    ).toBe('0:16G,1:32G');
  });

  test('reads the last value of a parameter before "--"', () => {
    expect(cmdlineValue('ro parker_cma=8G root=/dev/sda1 parker_cma=0:4G -- parker_cma=1G', 'parker_cma')).toBe('0:4G');
    expect(cmdlineValue('ro quiet', 'parker_cma')).toBeNull();
  });

  test('rounds partition sizes up to whole GiB, at least one', () => {
    expect([roundUpToGiB(1), roundUpToGiB(GIB), roundUpToGiB(GIB + 1), roundUpToGiB(0)]).toEqual([GIB, GIB, 2 * GIB, GIB]);
  });
});
