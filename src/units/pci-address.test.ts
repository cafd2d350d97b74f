import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { comparePciAddresses, formatPciAddress, normalizePciAddress, parsePciAddress } from './pci-address.js';
import { expectParseError } from '../../test/fixtures/expect-parse-error.js';


const addresses = fc.record({
  domain: fc.integer({ min: 0, max: 0xffff }),
  bus: fc.integer({ min: 0, max: 0xff }),
  device: fc.integer({ min: 0, max: 0x1f }),
  fn: fc.integer({ min: 0, max: 7 }),
});

describe('parsePciAddress', () => {
  it('reads the names of /sys/bus/pci/devices entries', () => {
    expect(parsePciAddress('0000:41:00.0')).toEqual({ domain: 0, bus: 0x41, device: 0, fn: 0 });
    expect(parsePciAddress('0000:00:1f.6')).toEqual({ domain: 0, bus: 0, device: 0x1f, fn: 6 });
    // Intel VMD puts NVMe drives behind domain 10000.
    expect(parsePciAddress('10000:e1:00.0')).toEqual({ domain: 0x10000, bus: 0xe1, device: 0, fn: 0 });
    expect(parsePciAddress('0000:C1:00.1\n')).toEqual({ domain: 0, bus: 0xc1, device: 0, fn: 1 });
  });

  it('reads the short form lspci prints as domain 0', () => {
    expect(parsePciAddress('41:00.0')).toEqual({ domain: 0, bus: 0x41, device: 0, fn: 0 });
    expect(normalizePciAddress('3:0.1')).toBe('0000:03:00.1');
  });

  it('refuses malformed addresses with an E_PARSE error quoting the input', () => {
    for (const bad of ['', '0000:41:00', '0000:41:00.8', '0000:41:20.0', '0000:141:00.0', 'g0:00.0', '0000-41-00.0', '41.00.0']) {
      expectParseError(() => parsePciAddress(bad), bad);
    }
  });
});

describe('formatPciAddress', () => {
  it('writes the kernel spelling', () => {
    expect(formatPciAddress({ domain: 0, bus: 0x41, device: 0, fn: 0 })).toBe('0000:41:00.0');
    expect(formatPciAddress({ domain: 0x10000, bus: 0xe1, device: 3, fn: 2 })).toBe('10000:e1:03.2');
  });

  it('round-trips any address: parse(format(a)) is a', () => {
    fc.assert(
      fc.property(addresses, (a) => {
        expect(parsePciAddress(formatPciAddress(a))).toEqual(a);
      }),
    );
  });

  it('round-trips canonical text: format(parse(s)) is s', () => {
    fc.assert(
      fc.property(addresses, (a) => {
        const text = formatPciAddress(a);
        expect(normalizePciAddress(text.toUpperCase())).toBe(text);
      }),
    );
  });
});

describe('comparePciAddresses', () => {
  it('orders numerically, not as text', () => {
    const sorted = ['0000:41:00.0', '10000:00:00.0', '0000:00:1f.6', '0000:00:02.0', '0001:00:00.0', '0000:41:00.1'].sort(comparePciAddresses);
    expect(sorted).toEqual(['0000:00:02.0', '0000:00:1f.6', '0000:41:00.0', '0000:41:00.1', '0001:00:00.0', '10000:00:00.0']);
  });
});
