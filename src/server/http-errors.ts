import { EXIT, ERROR_CODES, isErrorCode, type ErrorCode } from '../units/error-codes.js';
import { ParkerError } from '../units/parker-error.js';
import { KernelError } from '../machines/kernel-error.js';

/** The HTTP status of an error code: stable, like the codes. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  E_UNAUTHORIZED: 401,
  E_FORBIDDEN: 403,
  E_NOT_FOUND: 404,
  E_METHOD: 405,
  E_NO_LAYOUT: 409,
  E_LOCKED: 409,
  E_PLAN: 409,
  E_JOURNAL: 409,
  E_NOT_RUNNING: 409,
  E_CANNOT_STOP: 409,
  E_BODY_TOO_LARGE: 413,
  E_INVALID: 422,
  E_BOOT_CHANGES: 422,
  E_SPEC_READ: 422,
  // A file the request names (a layout's config:) that is a device, a FIFO or too large: the request's fault.
  E_TOO_BIG: 422,
  E_INTERNAL: 500,
};

export function httpStatusOf(code: string): number {
  if (!isErrorCode(code)) return 500;
  const fixed = STATUS[code];
  if (fixed) return fixed;
  const exit = ERROR_CODES[code].exit;
  if (exit === EXIT.usage) return 400;
  if (exit === EXIT.invalid) return 422;
  if (exit === EXIT.internal) return 500;
  return 502; // the machine refused, or a file it needs cannot be read
}

export interface ErrorBody {
  schema: 'parker.error/v1';
  error: { code: string; message: string; hint: string | null; status: number };
}

/** Any error as the JSON every route answers with. */
export function errorBody(error: unknown): ErrorBody {
  let code = 'E_INTERNAL';
  let message = String((error as Error)?.message ?? error);
  let hint: string | null = 'report it with the request and the daemon log';
  if (error instanceof ParkerError) {
    code = error.code;
    message = error.message;
    hint = error.hint ?? null;
  } else if (error instanceof KernelError) {
    code = 'E_KERNEL';
    hint = 'see parker status';
  } else if (error && typeof error === 'object' && 'code' in error && typeof (error as { code: unknown }).code === 'string' && isErrorCode((error as { code: string }).code)) {
    // A ParkerError that crossed a worker boundary as plain data.
    const e = error as { code: string; message?: string; hint?: string | null };
    code = e.code;
    message = e.message ?? message;
    hint = e.hint ?? null;
  }
  return { schema: 'parker.error/v1', error: { code, message, hint, status: httpStatusOf(code) } };
}
