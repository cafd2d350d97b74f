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

const hex4 = (id: number) => id.toString(16).padStart(4, '0');

/** The "vvvv  name" line of a vendor: indexOf finds it faster than a regular expression over the whole file. */
function vendorLine(section: string, hex: string): { index: number; 0: string; 1: string } | null {
  const next = (from: number) => {
    const i = section.indexOf(`\n${hex}`, from);
    return i < 0 ? -1 : i + 1;
  };
  for (let at = section.startsWith(hex) ? 0 : next(0); at >= 0; at = next(at)) {
    let end = section.indexOf('\n', at);
    if (end < 0) end = section.length;
    // The id is followed by blanks and a name: not the start of a longer token.
    const m = /^[0-9a-fA-F]{4}[ \t]+(.+?)[ \t\r]*$/.exec(section.slice(at, end));
    if (m) return { index: at, 0: m[0], 1: m[1]! };
  }
  return null;
}

/**
 * Reads the vendor section of pci.ids: "vvvv  name" lines, each followed by one-tab
 * "dddd  name" device lines (two-tab subsystem lines are skipped). The device-class section
 * ("C cc  name", which pci-class.ts carries on its own) ends it. A vendor is looked up only
 * when asked for: the file is 1.3 MB and a machine names a handful of vendors, so reading all
 * of it into maps cost more than the rest of a small machine's discovery.
 */
export function parsePciIds(text: string): PciIds {
  const classes = /^[A-Z] /m.exec(text);
  const section = classes ? text.slice(0, classes.index) : text;
  const vendors = new Map<number, Vendor | null>();
  const vendor = (id: number): Vendor | null => {
    if (id < 0 || id > 0xffff || !Number.isInteger(id)) return null;
    let found = vendors.get(id);
    if (found !== undefined) return found;
    found = null;
    const line = vendorLine(section, hex4(id)) ?? vendorLine(section, hex4(id).toUpperCase());
    if (line) {
      found = { name: line[1]!, devices: new Map() };
      // Its device lines follow, up to the next line that is not a device, subsystem, comment or blank.
      let at = line.index + line[0].length + 1;
      while (at < section.length) {
        let next = section.indexOf('\n', at);
        if (next < 0) next = section.length;
        const l = section.slice(at, next);
        at = next + 1;
        if (l === '' || l.startsWith('#') || l.startsWith('\t\t')) continue;
        if (!l.startsWith('\t')) break;
        const m = /^\t([0-9a-fA-F]{4})\s+(.+?)\s*$/.exec(l);
        if (m) found.devices.set(parseInt(m[1]!, 16), m[2]!);
      }
    }
    vendors.set(id, found);
    return found;
  };
  return {
    vendorName: (id) => vendor(id)?.name ?? null,
    deviceName: (id, device) => vendor(id)?.devices.get(device) ?? null,
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
