import { ParkerError } from '../units/parker-error.js';
import { KernelError } from '../machines/kernel-error.js';

/** Exit statuses, documented in docs/cli.md. Stable: scripts branch on them. */
export const EXIT = {
  ok: 0,
  /** The spec has errors (validate, plan). */
  invalid: 1,
  /** Bad flags or arguments. */
  usage: 2,
  /** The machine refused an operation (a kernel errno), or a file could not be read. */
  machine: 3,
  /** validate: warnings but no errors. */
  warnings: 4,
  /** apply, start: a step failed and was rolled back (the machine is as it was). */
  rolledBack: 5,
  /** Anything else: a bug. */
  internal: 70,
} as const;

/** Codes that mean the command line named something wrong (docs/errors.md). */
const USAGE_CODES = new Set(['E_USAGE', 'E_PARSE', 'E_SYNTHETIC', 'E_MACHINE', 'E_NOT_FOUND', 'E_NO_LAYOUT', 'E_NOT_RUNNING', 'E_CONFIRM']);
/** Codes that mean the layout cannot be applied as it stands. */
const INVALID_CODES = new Set(['E_INVALID', 'E_BOOT_CHANGES']);

export function exitCodeFor(error: unknown): number {
  if (error instanceof ParkerError) {
    if (USAGE_CODES.has(error.code)) return EXIT.usage;
    if (INVALID_CODES.has(error.code)) return EXIT.invalid;
    return EXIT.machine;
  }
  if (error instanceof KernelError) return EXIT.machine;
  return EXIT.internal;
}
