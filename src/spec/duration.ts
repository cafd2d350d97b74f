import { parseError } from '../units/parker-error.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** Durations as the spec writes them: "500ms", "90s", "2m" -> milliseconds. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+)(ms|s|m)\s*$/.exec(text);
  if (!m) throw parseError('duration', text, 'expected a whole number with ms, s or m, such as "90s", "500ms" or "2m"');
  const ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  if (!Number.isSafeInteger(ms)) throw parseError('duration', text, 'too long');
  return ms;
}
