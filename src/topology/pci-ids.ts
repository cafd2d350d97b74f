import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';

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
  /** Where its device lines are in the section: from the end of its own line to the next line that is not a device, subsystem, comment or blank. */
  start: number;
  end: number;
  devices: Map<number, string | null>;
}

const hex4 = (id: number) => id.toString(16).padStart(4, '0');

/**
 * The first line at or after `from` that starts with `hex` followed by blanks and a name (a
 * vendor line when `prefix` is '', a device line when it is a tab), before `end`: indexOf
 * finds it much faster than reading every line. It searches a slice of the text (V8 makes one
 * without copying), so that an id the range lacks costs a search of the range, not of the rest
 * of the file.
 */
function findLine(section: string, prefix: string, hex: string, from: number, end: number): { at: number; lineEnd: number; name: string } | null {
  const range = section.slice(from, end);
  for (const h of hex === hex.toUpperCase() ? [hex] : [hex, hex.toUpperCase()]) {
    // Line starts that may hold it: the very start of the text, then each newline followed by it.
    const starts = function* () {
      if (from === 0 && range.startsWith(`${prefix}${h}`)) yield 0;
      for (let i = range.indexOf(`\n${prefix}${h}`); i >= 0; i = range.indexOf(`\n${prefix}${h}`, i + 1)) yield i + 1;
    };
    for (const at of starts()) {
      let lineEnd = range.indexOf('\n', at);
      if (lineEnd < 0) lineEnd = range.length;
      const m = /^\t?[0-9a-fA-F]{4}[ \t]+(.+?)[ \t\r]*$/.exec(range.slice(at, lineEnd));
      if (m) return { at: from + at, lineEnd: from + lineEnd, name: m[1]! };
    }
  }
  return null;
}

/**
 * Reads the vendor section of pci.ids: "vvvv  name" lines, each followed by one-tab
 * "dddd  name" device lines (two-tab subsystem lines are skipped). The device-class section
 * ("C cc  name", which pci-class.ts carries on its own) ends it. Names are looked up when asked
 * for, with indexOf: the file is 1.3 MB, Intel alone has thousands of lines, and a machine names
 * a handful of devices, so reading it all into maps cost more than the rest of a small
 * machine's discovery.
 */
export function parsePciIds(text: string, decodeName: (name: string) => string = (name) => name): PciIds {
  const classes = text.startsWith('C ') ? 0 : text.indexOf('\nC ');
  const section = classes >= 0 ? text.slice(0, classes) : text;
  const vendors = new Map<number, Vendor | null>();
  const vendor = (id: number): Vendor | null => {
    if (!Number.isInteger(id) || id < 0 || id > 0xffff) return null;
    let found = vendors.get(id);
    if (found !== undefined) return found;
    found = null;
    const line = findLine(section, '', hex4(id), 0, section.length);
    if (line) {
      // The first line after it that is not a device, subsystem, comment or blank line ends it.
      const after = /\n[^\t#\n]/g;
      after.lastIndex = line.lineEnd;
      const next = after.exec(section);
      found = { name: decodeName(line.name), start: line.lineEnd, end: next ? next.index : section.length, devices: new Map() };
    }
    vendors.set(id, found);
    return found;
  };
  const device = (vendorId: number, id: number): string | null => {
    const v = vendor(vendorId);
    if (!v || !Number.isInteger(id) || id < 0 || id > 0xffff) return null;
    let name = v.devices.get(id);
    if (name === undefined) {
      const line = findLine(section, '\t', hex4(id), v.start, v.end);
      name = line === null ? null : decodeName(line.name);
      v.devices.set(id, name);
    }
    return name;
  };
  return {
    vendorName: (id) => vendor(id)?.name ?? null,
    deviceName: device,
  };
}

/** The text of bytes that were read as Latin-1, a character per byte, decoded as UTF-8. */
const utf8OfLatin1 = (name: string) => Buffer.from(name, 'latin1').toString('utf8');

/** Names for no device: for what needs none (placement and the rules go by class and address). */
export const NO_PCI_NAMES: PciIds = { vendorName: () => null, deviceName: () => null };

/**
 * The file's text, read as Latin-1 (a byte per character: decoding the whole 1.3 MB as UTF-8
 * took five times as long, and only the few names looked up are UTF-8, decoded one by one),
 * or null when it is no readable regular file. Opened without blocking and checked before a
 * byte is read: a FIFO in its place would wait for a writer forever.
 */
function readRegularFile(path: string): string | null {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    if (!fstatSync(fd).isFile()) return null;
    return readFileSync(fd, 'latin1');
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

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
    const text = readRegularFile(path);
    ids = text === null ? NO_PCI_NAMES : parsePciIds(text, utf8OfLatin1);
    cache.set(path, ids);
  }
  return ids;
}
