import type { ErrorCode } from './error-codes.js';
import { withoutControls } from './framed-lines.js';

/**
 * The one error class users see. `code` is stable: one of ERROR_CODES (./error-codes.ts), which
 * gives its exit status and docs/errors.md; `hint` says what to do next. No stack traces for these.
 */
export class ParkerError extends Error {
  override readonly name = 'ParkerError';
  readonly hint?: string;
  constructor(
    readonly code: ErrorCode,
    message: string,
    hint?: string,
    options?: { cause?: unknown },
  ) {
    // Messages quote what users and files gave: their control characters are shown, never sent to a terminal.
    super(withoutControls(message), options);
    if (hint !== undefined) this.hint = withoutControls(hint);
  }
}

/** Malformed value in a kernel-style notation; the message quotes the input. */
export function parseError(what: string, input: string, expected: string): ParkerError {
  return new ParkerError('E_PARSE', `invalid ${what} ${JSON.stringify(input)}: ${expected}`);
}
