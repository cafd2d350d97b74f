import { describe, expect, it } from 'vitest';
import { isPciBridge, parsePciConfig } from './pci-config.js';

/** Config space built by hand: each write puts bytes at an offset. */
function config(length: number, writes: [offset: number, bytes: number[]][]): Uint8Array {
  const bytes = new Uint8Array(length);
  for (const [offset, values] of writes) bytes.set(values, offset);
  return bytes;
}

const STATUS_CAPS: [number, number[]] = [0x06, [0x10, 0x00]];

describe('parsePciConfig', () => {
  it('finds MSI, MSI-X and the PCIe port type along the list', () => {
    const bytes = config(256, [
      STATUS_CAPS,
      [0x34, [0x40]],
      [0x40, [0x01, 0x50]], // power management
      [0x50, [0x05, 0x70]], // MSI
      [0x70, [0x10, 0xa0, 0x42, 0x00]], // PCIe, type 4 (root port)
      [0xa0, [0x11, 0x00]], // MSI-X, end of list
    ]);
    expect(parsePciConfig(bytes)).toEqual({ headerType: 0, msi: true, msix: true, pcieType: 4 });
  });

  it('reports absent capabilities as false when the list is complete', () => {
    const bytes = config(256, [STATUS_CAPS, [0x34, [0x40]], [0x40, [0x11, 0x00]]]);
    expect(parsePciConfig(bytes)).toEqual({ headerType: 0, msi: false, msix: true, pcieType: null });
  });

  it('reports no capabilities when the status register says there is no list', () => {
    const bytes = config(256, [[0x34, [0x40]], [0x40, [0x05, 0x00]]]);
    expect(parsePciConfig(bytes)).toEqual({ headerType: 0, msi: false, msix: false, pcieType: null });
  });

  it('masks the multi-function bit of the header type', () => {
    expect(parsePciConfig(config(256, [[0x0e, [0x81]]])).headerType).toBe(1);
  });

  it('stops at a loop and keeps what it found', () => {
    const bytes = config(256, [
      STATUS_CAPS,
      [0x34, [0x40]],
      [0x40, [0x05, 0x50]],
      [0x50, [0x01, 0x40]], // points back to 0x40
    ]);
    expect(parsePciConfig(bytes)).toEqual({ headerType: 0, msi: true, msix: false, pcieType: null });
  });

  it('stops at a capability that points to itself', () => {
    const bytes = config(256, [STATUS_CAPS, [0x34, [0x40]], [0x40, [0x01, 0x40]]]);
    expect(parsePciConfig(bytes)).toEqual({ headerType: 0, msi: false, msix: false, pcieType: null });
  });

  it('stops at a pointer into the standard header or a dead 0xff entry', () => {
    const intoHeader = config(256, [STATUS_CAPS, [0x34, [0x40]], [0x40, [0x05, 0x10]]]);
    expect(parsePciConfig(intoHeader)).toEqual({ headerType: 0, msi: true, msix: false, pcieType: null });
    const dead = config(256, [STATUS_CAPS, [0x34, [0x40]], [0x40, [0xff, 0x50]], [0x50, [0x11, 0x00]]]);
    expect(parsePciConfig(dead)).toEqual({ headerType: 0, msi: false, msix: false, pcieType: null });
  });

  it('reports capabilities beyond a 64-byte read as unknown, not absent', () => {
    const full = config(256, [STATUS_CAPS, [0x34, [0x40]], [0x40, [0x05, 0x00]]]);
    expect(parsePciConfig(full.slice(0, 64))).toEqual({ headerType: 0, msi: null, msix: null, pcieType: null });
  });

  it('keeps what it found before the readable bytes end', () => {
    const bytes = config(128, [STATUS_CAPS, [0x34, [0x40]], [0x40, [0x05, 0x90]]]);
    expect(parsePciConfig(bytes)).toEqual({ headerType: 0, msi: true, msix: null, pcieType: null });
  });

  it('knows nothing from less than the standard header', () => {
    expect(parsePciConfig(new Uint8Array(63))).toEqual({ headerType: null, msi: null, msix: null, pcieType: null });
    expect(parsePciConfig(new Uint8Array(0))).toEqual({ headerType: null, msi: null, msix: null, pcieType: null });
  });
});

describe('isPciBridge', () => {
  const endpoint = { headerType: 0, msi: true, msix: true, pcieType: 0 };
  const unknown = { headerType: null, msi: null, msix: null, pcieType: null };

  it('recognises bridge headers, bridge classes and PCIe ports', () => {
    expect(isPciBridge(0x060400, unknown)).toBe(true);
    expect(isPciBridge(0x060940, unknown)).toBe(true);
    expect(isPciBridge(null, { ...unknown, headerType: 1 })).toBe(true);
    expect(isPciBridge(0x060700, { ...unknown, headerType: 2 })).toBe(true);
    expect(isPciBridge(0x088000, { ...endpoint, pcieType: 6 })).toBe(true);
    expect(isPciBridge(0x088000, { ...endpoint, pcieType: 5 })).toBe(true);
  });

  it('does not count host bridges or endpoints', () => {
    expect(isPciBridge(0x060000, { ...endpoint, pcieType: null })).toBe(false);
    expect(isPciBridge(0x060100, unknown)).toBe(false);
    expect(isPciBridge(0x010802, endpoint)).toBe(false);
    expect(isPciBridge(null, unknown)).toBe(false);
  });
});
