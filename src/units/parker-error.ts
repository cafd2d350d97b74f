import type { ErrorCode } from './error-codes.js';

/**
 * The one error class users see. `code` is stable: one of ERROR_CODES (./error-codes.ts), which
 * gives its exit status and docs/errors.md; `hint` says what to do next. No stack traces for these.
 */
export class ParkerError extends Error {
  override readonly name = 'ParkerError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Malformed value in a kernel-style notation; the message quotes the input. */
export function parseError(what: string, input: string, expected: string): ParkerError {
  return new ParkerError('E_PARSE', `invalid ${what} ${JSON.stringify(input)}: ${expected}`);
}
