import { ParkerError } from '../units/parker-error.js';

/** A flag's value that must be a positive whole number (milliseconds, bytes), or E_USAGE. */
export function positiveInteger(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new ParkerError('E_USAGE', `${flag} ${JSON.stringify(text)} is not a positive whole number`, `e.g. ${flag} 1000`);
  return n;
}
