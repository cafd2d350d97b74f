import { withoutControls } from '../units/framed-lines.js';

/** The errno names a kernel filesystem returns, and the ones this project uses. */
export type Errno =
  | 'ENOENT'
  | 'EINVAL'
  | 'EBUSY'
  | 'EACCES'
  | 'EPERM'
  | 'ENOSPC'
  | 'ENOMEM'
  | 'EEXIST'
  | 'ENOTDIR'
  | 'EISDIR'
  | 'ENOTEMPTY'
  | 'EROFS'
  | 'ENODEV'
  | 'EIO'
  | 'E2BIG'
  | 'ENOEXEC'
  | 'ETIMEDOUT'
  /** Parker's own: the file would block (a start of its partition is in flight), so it was not touched. */
  | 'EAGAIN';

/**
 * A refusal from a machine's kernel filesystem: the operation, the path relative to the
 * machine root, and the errno a real kernel would give. Callers branch on `errno`.
 */
export class KernelError extends Error {
  override readonly name = 'KernelError';
  constructor(
    readonly errno: Errno,
    readonly op: string,
    readonly path: string,
    detail?: string,
  ) {
    super(withoutControls(`${op} ${path}: ${errno}${detail ? ` (${detail})` : ''}`));
  }
}

export function isKernelError(e: unknown, errno?: Errno): e is KernelError {
  return e instanceof KernelError && (errno === undefined || e.errno === errno);
}

/** Turns a Node.js fs error into a KernelError with the same errno. */
export function fromNodeError(e: unknown, op: string, path: string): KernelError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return new KernelError((code as Errno | undefined) ?? 'EIO', op, path);
}
