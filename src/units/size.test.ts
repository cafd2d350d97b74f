import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatSize, formatSizeHuman, parseSize } from './size.js';
import { expectParseError } from '../../test/fixtures/expect-parse-error.js';


const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;

describe('parseSize', () => {
  it('reads sizes as sysfs prints them', () => {
    // cpuN/cache/index*/size of an AMD EPYC: L1d, L2, L3.
    expect(parseSize('32K\n')).toBe(32 * KiB);
    expect(parseSize('512K')).toBe(512 * KiB);
    expect(parseSize('32768K')).toBe(32 * MiB);
    // /sys/kernel/mm/hugepages directory names carry "2048kB".
    expect(parseSize('2048kB')).toBe(2 * MiB);
  });

  it('reads memparse notation as the kernel command line does (base 1024)', () => {
    expect(parseSize('4G')).toBe(4 * GiB);
    expect(parseSize('512M')).toBe(512 * MiB);
    expect(parseSize('1T')).toBe(TiB);
    expect(parseSize('1P')).toBe(1024 * TiB);
    expect(parseSize('4g')).toBe(4 * GiB);
    expect(parseSize('4096')).toBe(4096);
    expect(parseSize('0')).toBe(0);
  });

  it('reads 0x hex, where a trailing hex digit belongs to the number as in memparse', () => {
    expect(parseSize('0x1000')).toBe(4096);
    expect(parseSize('0x10M')).toBe(16 * MiB);
    // "0x1E" is 30 bytes to the kernel, not 1 EiB.
    expect(parseSize('0x1E')).toBe(30);
    expect(parseSize('0x10B')).toBe(0x10b);
  });

  it('accepts the unit spellings users write, all meaning powers of 1024', () => {
    expect(parseSize('4GiB')).toBe(4 * GiB);
    expect(parseSize('4GB')).toBe(4 * GiB);
    expect(parseSize('4 G')).toBe(4 * GiB);
    expect(parseSize(' 64 MiB ')).toBe(64 * MiB);
    expect(parseSize('100B')).toBe(100);
  });

  it('refuses malformed sizes with an E_PARSE error quoting the input', () => {
    for (const bad of ['', 'G', '4X', '-4G', '4.5G', '4iB', '4GiBB', '0x', '0xG', '4 G B', '1,024']) {
      expectParseError(() => parseSize(bad), bad);
    }
  });

  it('refuses a leading zero, which memparse reads as octal', () => {
    expectParseError(() => parseSize('010'), '010');
    expectParseError(() => parseSize('0512M'), '0512M');
  });

  it('refuses sizes past 2^53 instead of rounding them', () => {
    expectParseError(() => parseSize('8E'), '8E');
    expectParseError(() => parseSize('9007199254740993'), '9007199254740993');
    expect(parseSize('8191T')).toBe(8191 * TiB);
  });
});

describe('formatSize', () => {
  it('writes the largest exact unit', () => {
    expect(formatSize(4294967296)).toBe('4G');
    expect(formatSize(1536 * MiB)).toBe('1536M');
    expect(formatSize(1000)).toBe('1000');
    expect(formatSize(0)).toBe('0');
    expect(formatSize(KiB)).toBe('1K');
    expect(formatSize(2 * TiB)).toBe('2T');
    expect(formatSize(4097)).toBe('4097');
  });

  it('refuses what is not a whole number of bytes', () => {
    expectParseError(() => formatSize(-1), '-1');
    expectParseError(() => formatSize(1.5), '1.5');
    expectParseError(() => formatSize(2 ** 60), String(2 ** 60));
  });

  it('round-trips any byte count: parse(format(n)) is n', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        expect(parseSize(formatSize(n))).toBe(n);
      }),
    );
  });

  it('round-trips exact multiples of every unit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8191 }), fc.constantFrom(0, 10, 20, 30, 40), (n, shift) => {
        expect(parseSize(formatSize(n * 2 ** shift))).toBe(n * 2 ** shift);
      }),
    );
  });

  it('round-trips canonical text: format(parse(s)) is s', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1023 }), fc.constantFrom('K', 'M', 'G', 'T'), (n, unit) => {
        const text = n % 1024 === 0 ? `${n}` : `${n}${unit}`;
        expect(formatSize(parseSize(text))).toBe(text);
      }),
    );
  });
});

describe('formatSizeHuman', () => {
  it('rounds to one decimal for tables', () => {
    expect(formatSizeHuman(0)).toBe('0 B');
    expect(formatSizeHuman(1023)).toBe('1023 B');
    expect(formatSizeHuman(4 * GiB)).toBe('4 GiB');
    expect(formatSizeHuman(1.5 * MiB)).toBe('1.5 MiB');
    expect(formatSizeHuman(65363 * MiB)).toBe('63.8 GiB');
  });
});
