/**
 * The one error class users see. `code` is stable (documented in docs/errors.md and mapped to
 * exit statuses by the CLI); `hint` says what to do next. No stack traces for these.
 */
export class ParkerError extends Error {
  override readonly name = 'ParkerError';
  constructor(
    readonly code: string,
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
