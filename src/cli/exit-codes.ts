import { ParkerError } from '../units/parker-error.js';
import { ERROR_CODES, EXIT, isErrorCode } from '../units/error-codes.js';
import { KernelError } from '../machines/kernel-error.js';

/** Exit statuses, documented in docs/cli.md and docs/errors.md; defined with the error codes. */
export { EXIT };

/**
 * The exit status of a command that ended with this error: a ParkerError's from its code's row
 * of ERROR_CODES, a KernelError's from E_KERNEL's, anything else E_INTERNAL's (a bug). A
 * rolled-back transaction sets 5 itself (reportResult), whatever the step's error.
 */
export function exitCodeFor(error: unknown): number {
  if (error instanceof ParkerError) return isErrorCode(error.code) ? ERROR_CODES[error.code].exit : EXIT.machine;
  if (error instanceof KernelError) return ERROR_CODES.E_KERNEL.exit;
  return ERROR_CODES.E_INTERNAL.exit;
}
