import { parseError } from './parker-error.js';

const SHIFT: Record<string, bigint> = { '': 0n, K: 10n, M: 20n, G: 30n, T: 40n, P: 50n, E: 60n };

/**
 * Sizes in the kernel's memparse notation: a number (decimal or 0x hex) with an optional
 * K/M/G/T/P/E suffix, base 1024 ("4G", "512M", "0x1000"). Also accepts "KiB"/"GiB"-style
 * and "GB" suffixes as users write them; both mean powers of 1024, as memparse does.
 */
export function parseSize(text: string): number {
  const m = /^\s*(0x[0-9a-fA-F]+|\d+)\s*(?:([kKmMgGtTpPeE])(?:i?[bB])?|[bB])?\s*$/.exec(text);
  if (!m) throw parseError('size', text, 'expected a number with an optional K, M, G, T suffix, such as "4G" or "512M"');
  // memparse reads a leading 0 as octal ("010" is 8 bytes to the kernel): refuse rather than disagree.
  if (/^0\d/.test(m[1]!)) throw parseError('size', text, 'a leading zero means octal to the kernel: drop the leading zeros');
  const bytes = BigInt(m[1]!) << SHIFT[(m[2] ?? '').toUpperCase()]!;
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) throw parseError('size', text, 'larger than 8 PiB');
  return Number(bytes);
}

/** The largest exact unit: 4294967296 -> "4G", 1536 MiB -> "1536M", 1000 -> "1000". */
export function formatSize(bytes: number): string {
  if (!Number.isSafeInteger(bytes) || bytes < 0) throw parseError('size', String(bytes), 'expected a whole number of bytes');
  if (bytes === 0) return '0';
  for (const [suffix, shift] of [['E', 60], ['P', 50], ['T', 40], ['G', 30], ['M', 20], ['K', 10]] as const) {
    const unit = 2 ** shift;
    if (bytes % unit === 0) return `${bytes / unit}${suffix}`;
  }
  return String(bytes);
}

/** Human-friendly rounding for tables: "63.8 GiB". Never used where exactness matters. */
export function formatSizeHuman(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  const text = i === 0 || Number.isInteger(value) ? String(value) : value.toFixed(1).replace(/\.0$/, '');
  return `${text} ${units[i]}`;
}
