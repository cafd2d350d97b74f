import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PCI_IDS_PATH, loadPciIds, parsePciIds, pciIdsPath } from './pci-ids.js';

const SAMPLE = `#
#	List of PCI ID's
#
# Syntax:
# vendor  vendor_name
#	device  device_name				<-- single tab
#		subvendor subdevice  subsystem_name	<-- two tabs

144d  Samsung Electronics Co Ltd
	a808  NVMe SSD Controller SM981/PM981/PM983
		144d a801  SSD 970 EVO/PM981
8086  Intel Corporation
	2723  Wi-Fi 6 AX200
		8086 0084  Wi-Fi 6 AX200NGW
	1593  Ethernet Controller E810-C for SFP

# List of known device classes, subclasses and programming interfaces
C 02  Network controller
	00  Ethernet controller
`;

const dir = mkdtempSync(join(tmpdir(), 'parker-pci-ids-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parsePciIds', () => {
  const ids = parsePciIds(SAMPLE);

  it('names vendors and their devices', () => {
    expect(ids.vendorName(0x144d)).toBe('Samsung Electronics Co Ltd');
    expect(ids.deviceName(0x144d, 0xa808)).toBe('NVMe SSD Controller SM981/PM981/PM983');
    expect(ids.vendorName(0x8086)).toBe('Intel Corporation');
    expect(ids.deviceName(0x8086, 0x1593)).toBe('Ethernet Controller E810-C for SFP');
  });

  it('does not take subsystem lines or classes for devices', () => {
    expect(ids.deviceName(0x144d, 0xa801)).toBeNull();
    expect(ids.deviceName(0x8086, 0x0084)).toBeNull();
    expect(ids.vendorName(0x0002)).toBeNull();
  });

  it('answers null for unknown ids', () => {
    expect(ids.vendorName(0xabcd)).toBeNull();
    expect(ids.deviceName(0x8086, 0xffff)).toBeNull();
    expect(ids.deviceName(0xabcd, 0x2723)).toBeNull();
  });
});

describe('loadPciIds', () => {
  const saved = process.env['PARKER_PCI_IDS'];
  afterEach(() => {
    if (saved === undefined) delete process.env['PARKER_PCI_IDS'];
    else process.env['PARKER_PCI_IDS'] = saved;
  });

  it('reads the file named by PARKER_PCI_IDS', () => {
    const path = join(dir, 'pci.ids');
    writeFileSync(path, SAMPLE);
    process.env['PARKER_PCI_IDS'] = path;
    expect(pciIdsPath()).toBe(path);
    expect(loadPciIds().deviceName(0x8086, 0x2723)).toBe('Wi-Fi 6 AX200');
  });

  it('falls back to the system copy when the variable is unset or empty', () => {
    delete process.env['PARKER_PCI_IDS'];
    expect(pciIdsPath()).toBe(DEFAULT_PCI_IDS_PATH);
    process.env['PARKER_PCI_IDS'] = '';
    expect(pciIdsPath()).toBe('/usr/share/misc/pci.ids');
  });

  it('answers null, without an error, when the file is missing', () => {
    process.env['PARKER_PCI_IDS'] = join(dir, 'absent.ids');
    const ids = loadPciIds();
    expect(ids.vendorName(0x8086)).toBeNull();
    expect(ids.deviceName(0x8086, 0x2723)).toBeNull();
  });

  it('reads a file once and reuses it', () => {
    const path = join(dir, 'once.ids');
    writeFileSync(path, SAMPLE);
    const first = loadPciIds(path);
    writeFileSync(path, '8086  Someone Else\n');
    expect(loadPciIds(path)).toBe(first);
    expect(loadPciIds(path).vendorName(0x8086)).toBe('Intel Corporation');
  });
});
