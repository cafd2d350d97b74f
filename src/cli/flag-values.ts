import { ParkerError } from '../units/parker-error.js';

/**
 * A flag's value that must be a positive whole number (milliseconds, bytes), at most 2^31 - 1
 * (node takes a longer timer for 1 ms), or E_USAGE.
 */
export function positiveInteger(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0 || n > 2 ** 31 - 1) throw new ParkerError('E_USAGE', `${flag} ${JSON.stringify(text)} is not a positive whole number up to 2147483647`, `e.g. ${flag} 1000`);
  return n;
}
