import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
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

/** Every name of a pci.ids text, read line by line into maps: what a lookup must agree with. */
function readAll(text: string): Map<string, string> {
  const names = new Map<string, string>();
  let vendor: number | null = null;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('\t\t')) continue;
    if (line.startsWith('\t')) {
      const m = /^\t([0-9a-fA-F]{4})\s+(.+?)\s*$/.exec(line);
      if (m && vendor !== null) names.set(`${vendor}:${parseInt(m[1]!, 16)}`, m[2]!);
      continue;
    }
    const m = /^([0-9a-fA-F]{4})\s+(.+?)\s*$/.exec(line);
    if (!m) {
      if (/^[A-Z] /.test(line)) break;
      vendor = null;
      continue;
    }
    vendor = parseInt(m[1]!, 16);
    names.set(`${vendor}`, m[2]!);
  }
  return names;
}

describe('parsePciIds on generated databases', () => {
  const id = fc.integer({ min: 0, max: 0xffff });
  const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ./-]{0,20}[A-Za-z0-9]$/);
  const hex = (n: number, upper: boolean) => (upper ? n.toString(16).toUpperCase() : n.toString(16)).padStart(4, '0');
  const database = fc
    .array(
      fc.record({
        vendor: id,
        upper: fc.boolean(),
        name,
        devices: fc.array(fc.record({ device: id, name, subsystems: fc.nat({ max: 2 }), comment: fc.boolean() }), { maxLength: 6 }),
      }),
      { maxLength: 12 },
    )
    .map((vendors) => {
      // One entry per vendor id and per device id within it, as pci.ids has.
      const seen = new Set<number>();
      const unique = vendors.filter((v) => !seen.has(v.vendor) && seen.add(v.vendor));
      const lines = ['# pci.ids, generated', ''];
      for (const v of unique) {
        lines.push(`${hex(v.vendor, v.upper)}  ${v.name}`);
        const devices = new Set<number>();
        for (const d of v.devices) {
          if (devices.has(d.device)) continue;
          devices.add(d.device);
          if (d.comment) lines.push('# a comment inside a vendor');
          lines.push(`\t${hex(d.device, v.upper)}  ${d.name}`);
          for (let i = 0; i < d.subsystems; i++) lines.push(`\t\t${hex(v.vendor, false)} ${hex(i, false)}  ${d.name} sub`);
        }
      }
      lines.push('', 'C 02  Network controller', '\t00  Ethernet controller', 'ffff  not a vendor: in the class section', '');
      return { text: lines.join('\n'), unique };
    });

  it('answers exactly what reading the whole file answers, for every id in it and some not in it', () => {
    fc.assert(
      fc.property(database, id, ({ text, unique }, other) => {
        const all = readAll(text);
        const ids = parsePciIds(text);
        for (const v of [...unique.map((u) => u.vendor), other, 0xffff]) {
          expect(ids.vendorName(v)).toBe(all.get(`${v}`) ?? null);
          for (const d of [...(unique.find((u) => u.vendor === v)?.devices.map((x) => x.device) ?? []), other]) {
            expect(ids.deviceName(v, d)).toBe(all.get(`${v}:${d}`) ?? null);
          }
        }
      }),
      { numRuns: 200 },
    );
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

  it('gives names that are not ASCII as the file spells them in UTF-8', () => {
    const path = join(dir, 'utf8.ids');
    writeFileSync(path, '1af4  Société Générale\n\t1000  Réseau µ-virtio 网卡\n1b36  Red Hat, Inc.\n', 'utf8');
    const ids = loadPciIds(path);
    expect(ids.vendorName(0x1af4)).toBe('Société Générale');
    expect(ids.deviceName(0x1af4, 0x1000)).toBe('Réseau µ-virtio 网卡');
    expect(ids.vendorName(0x1b36)).toBe('Red Hat, Inc.');
  });

  it('answers null, without waiting or an error, for a FIFO or a directory in its place', () => {
    const fifo = join(dir, 'fifo.ids');
    execFileSync('mkfifo', [fifo]);
    expect(loadPciIds(fifo).vendorName(0x8086)).toBeNull();
    expect(loadPciIds(dir).deviceName(0x8086, 0x1593)).toBeNull();
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
