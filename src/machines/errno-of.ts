import { isKernelError, type Errno } from './kernel-error.js';

/** The errno an operation fails with, or 'no error': for tests and for reports of what a kernel refused. */
export function errnoOf(action: () => void): Errno | 'no error' {
  try {
    action();
  } catch (e) {
    if (isKernelError(e)) return e.errno;
    throw e;
  }
  return 'no error';
}
