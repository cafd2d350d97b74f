import { parseError } from './parker-error.js';

/**
 * A physical address range, inclusive at both ends as /proc/iomem prints it
 * ("100000000-107fffffff"). Addresses past 2^53 do not occur on real machines' RAM maps,
 * so numbers are plain JS numbers; larger values are refused rather than rounded.
 */
export interface PhysRange {
  start: number;
  end: number;
}

function hex(text: string, input: string): number {
  const value = parseInt(text, 16);
  if (!Number.isSafeInteger(value)) throw parseError('physical range', input, 'address beyond 2^53');
  return value;
}

export function parsePhysRange(text: string): PhysRange {
  const m = /^\s*(?:0x)?([0-9a-fA-F]+)-(?:0x)?([0-9a-fA-F]+)\s*$/.exec(text);
  if (!m) throw parseError('physical range', text, 'expected START-END in hex such as "100000000-107fffffff"');
  const range = { start: hex(m[1]!, text), end: hex(m[2]!, text) };
  if (range.end < range.start) throw parseError('physical range', text, 'end is below start');
  return range;
}

export function formatPhysRange(r: PhysRange, width = 8): string {
  return `${r.start.toString(16).padStart(width, '0')}-${r.end.toString(16).padStart(width, '0')}`;
}

export function rangeSize(r: PhysRange): number {
  return r.end - r.start + 1;
}

export function rangesOverlap(a: PhysRange, b: PhysRange): boolean {
  return a.start <= b.end && b.start <= a.end;
}

/** memmap-style "SIZE@0xBASE" (the Parker `memory` file). */
export function parseSizeAtBase(text: string, parseSize: (s: string) => number): PhysRange {
  const m = /^\s*([^@\s]+)@(0x[0-9a-fA-F]+|\d+)\s*$/.exec(text);
  if (!m) throw parseError('memory range', text, 'expected SIZE@BASE such as "4G@0x100000000"');
  const size = parseSize(m[1]!);
  const base = BigInt(m[2]!);
  if (size === 0) throw parseError('memory range', text, 'size must be above zero');
  if (base + BigInt(size) - 1n > BigInt(Number.MAX_SAFE_INTEGER)) throw parseError('memory range', text, 'range ends beyond 2^53');
  const start = Number(base);
  return { start, end: start + size - 1 };
}
