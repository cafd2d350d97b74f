import { parseError } from './parker-error.js';

/** A PCI function address: domain:bus:device.function, "0000:41:00.0". */
export interface PciAddress {
  domain: number;
  bus: number;
  device: number;
  fn: number;
}

/** Accepts the full form and the short "BB:DD.F" form (domain 0), as lspci prints it. */
export function parsePciAddress(text: string): PciAddress {
  const m = /^\s*(?:([0-9a-fA-F]{1,8}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])\s*$/.exec(text);
  if (!m) throw parseError('PCI address', text, 'expected DDDD:BB:DD.F such as "0000:41:00.0"');
  const address = {
    domain: m[1] === undefined ? 0 : parseInt(m[1], 16),
    bus: parseInt(m[2]!, 16),
    device: parseInt(m[3]!, 16),
    fn: Number(m[4]),
  };
  if (address.device > 0x1f) throw parseError('PCI address', text, 'device number must be 00-1f');
  return address;
}

export function formatPciAddress(a: PciAddress): string {
  const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return `${hex(a.domain, 4)}:${hex(a.bus, 2)}:${hex(a.device, 2)}.${a.fn}`;
}

/** Canonical spelling of any accepted form ("41:00.0" -> "0000:41:00.0"). */
export function normalizePciAddress(text: string): string {
  return formatPciAddress(parsePciAddress(text));
}

/** Sort key that orders addresses numerically. */
export function comparePciAddresses(a: string, b: string): number {
  const x = parsePciAddress(a);
  const y = parsePciAddress(b);
  return x.domain - y.domain || x.bus - y.bus || x.device - y.device || x.fn - y.fn;
}
