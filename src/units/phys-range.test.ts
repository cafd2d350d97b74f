import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatPhysRange, parsePhysRange, parseSizeAtBase, rangeSize, rangesOverlap } from './phys-range.js';
import { parseSize } from './size.js';
import { expectParseError } from '../../test/fixtures/expect-parse-error.js';


const ranges = fc
  .tuple(fc.maxSafeNat(), fc.maxSafeNat())
  .map(([a, b]) => ({ start: Math.min(a, b), end: Math.max(a, b) }));

describe('parsePhysRange', () => {
  it('reads /proc/iomem ranges', () => {
    expect(parsePhysRange('00001000-0009fbff')).toEqual({ start: 0x1000, end: 0x9fbff });
    expect(parsePhysRange('100000000-107fffffff')).toEqual({ start: 0x100000000, end: 0x107fffffff });
    expect(parsePhysRange('  000f0000-000fffff ')).toEqual({ start: 0xf0000, end: 0xfffff });
    expect(parsePhysRange('0x1000-0x1fff')).toEqual({ start: 0x1000, end: 0x1fff });
  });

  it('refuses malformed ranges with an E_PARSE error quoting the input', () => {
    for (const bad of ['', '1000', '1000-', '-1000', '2000-1000', 'xyz-1000', '1000 - 2000', '1000-2000-3000']) {
      expectParseError(() => parsePhysRange(bad), bad);
    }
  });

  it('refuses addresses past 2^53 instead of rounding them', () => {
    expectParseError(() => parsePhysRange('0-ffffffffffffffff'), '0-ffffffffffffffff');
  });
});

describe('formatPhysRange', () => {
  it('pads to 8 digits as /proc/iomem does below 4 GiB', () => {
    expect(formatPhysRange({ start: 0x1000, end: 0x9fbff })).toBe('00001000-0009fbff');
    expect(formatPhysRange({ start: 0x100000000, end: 0x107fffffff })).toBe('100000000-107fffffff');
    expect(formatPhysRange({ start: 0, end: 0xfff }, 16)).toBe('0000000000000000-0000000000000fff');
  });

  it('round-trips any range: parse(format(r)) is r', () => {
    fc.assert(
      fc.property(ranges, (r) => {
        expect(parsePhysRange(formatPhysRange(r))).toEqual(r);
      }),
    );
  });

  it('round-trips canonical text: format(parse(s)) is s', () => {
    fc.assert(
      fc.property(ranges, (r) => {
        const text = formatPhysRange(r);
        expect(formatPhysRange(parsePhysRange(text))).toBe(text);
      }),
    );
  });
});

describe('rangeSize and rangesOverlap', () => {
  it('count both ends', () => {
    expect(rangeSize({ start: 0x1000, end: 0x1fff })).toBe(4096);
    expect(rangeSize({ start: 5, end: 5 })).toBe(1);
  });

  it('treat touching ends as overlap and adjacent ranges as apart', () => {
    expect(rangesOverlap({ start: 0, end: 0xfff }, { start: 0xfff, end: 0x1fff })).toBe(true);
    expect(rangesOverlap({ start: 0, end: 0xfff }, { start: 0x1000, end: 0x1fff })).toBe(false);
    expect(rangesOverlap({ start: 0x1000, end: 0x1fff }, { start: 0, end: 0xffff })).toBe(true);
  });

  it('agree with a set of addresses on small ranges', () => {
    const small = fc.tuple(fc.nat(64), fc.nat(64)).map(([a, b]) => ({ start: Math.min(a, b), end: Math.max(a, b) }));
    fc.assert(
      fc.property(small, small, (a, b) => {
        const inA = new Set(Array.from({ length: rangeSize(a) }, (_, i) => a.start + i));
        const shared = Array.from({ length: rangeSize(b) }, (_, i) => b.start + i).some((x) => inA.has(x));
        expect(rangesOverlap(a, b)).toBe(shared);
      }),
    );
  });
});

describe('parseSizeAtBase', () => {
  it('reads memmap-style SIZE@BASE', () => {
    expect(parseSizeAtBase('4G@0x100000000', parseSize)).toEqual({ start: 0x100000000, end: 0x1ffffffff });
    expect(parseSizeAtBase('512M@4294967296', parseSize)).toEqual({ start: 0x100000000, end: 0x11fffffff });
  });

  it('refuses malformed input with an E_PARSE error quoting the input', () => {
    for (const bad of ['4G', '@0x1000', '4G@', '4G@0xZZ', '4G @0x1000', '0@0x1000']) {
      expectParseError(() => parseSizeAtBase(bad, parseSize), bad);
    }
  });

  it('refuses a range ending past 2^53 instead of rounding the base', () => {
    expectParseError(() => parseSizeAtBase('4K@0x20000000000001', parseSize), '4K@0x20000000000001');
    expectParseError(() => parseSizeAtBase('4K@0x1ffffffffffff0', parseSize), '4K@0x1ffffffffffff0');
  });
});
