import { readFileSync } from 'node:fs';

/** Where Debian's pci.ids package puts the database. */
export const DEFAULT_PCI_IDS_PATH = '/usr/share/misc/pci.ids';

/** The database path: $PARKER_PCI_IDS when set, else the system's copy. */
export function pciIdsPath(): string {
  const override = process.env['PARKER_PCI_IDS'];
  return override !== undefined && override !== '' ? override : DEFAULT_PCI_IDS_PATH;
}

/** Vendor and device names from a pci.ids file. Unknown ids, or no file at all, give null. */
export interface PciIds {
  vendorName(vendor: number): string | null;
  deviceName(vendor: number, device: number): string | null;
}

interface Vendor {
  name: string;
  devices: Map<number, string>;
}

/**
 * Parses the vendor section of pci.ids: "vvvv  name" lines, each followed by one-tab
 * "dddd  name" device lines (two-tab subsystem lines are skipped). Parsing stops at the
 * device-class section ("C cc  name"), which pci-class.ts carries on its own.
 */
export function parsePciIds(text: string): PciIds {
  const vendors = new Map<number, Vendor>();
  let current: Vendor | null = null;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('\t\t')) continue;
    if (line.startsWith('\t')) {
      const m = /^\t([0-9a-fA-F]{4})\s+(.+?)\s*$/.exec(line);
      if (m && current) current.devices.set(parseInt(m[1]!, 16), m[2]!);
      continue;
    }
    const m = /^([0-9a-fA-F]{4})\s+(.+?)\s*$/.exec(line);
    if (!m) {
      // "C 01  Mass storage controller" and later sections are not vendors.
      if (/^[A-Z] /.test(line)) break;
      current = null;
      continue;
    }
    current = { name: m[2]!, devices: new Map() };
    vendors.set(parseInt(m[1]!, 16), current);
  }
  return {
    vendorName: (vendor) => vendors.get(vendor)?.name ?? null,
    deviceName: (vendor, device) => vendors.get(vendor)?.devices.get(device) ?? null,
  };
}

const NO_NAMES: PciIds = { vendorName: () => null, deviceName: () => null };

/** Parsed databases by path: the file is read at most once per process. */
const cache = new Map<string, PciIds>();

/**
 * The names database at `path` (default: pciIdsPath()), read and parsed on first use. A
 * missing or unreadable file is not an error: names are optional decoration, so every
 * lookup then answers null.
 */
export function loadPciIds(path: string = pciIdsPath()): PciIds {
  let ids = cache.get(path);
  if (ids === undefined) {
    let text: string | null = null;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      text = null;
    }
    ids = text === null ? NO_NAMES : parsePciIds(text);
    cache.set(path, ids);
  }
  return ids;
}
