/**
 * What a real boot kernel does to the process that asked: it never answers. A read of
 * `online` while a start busy-waits blocks for as long as the start does; a `bind` that
 * oopses kills the writer and leaves the partition's mutex held, so every later operation on
 * that partition blocks too. A simulator cannot block its caller forever, so it throws this
 * instead: deliberately not a KernelError, so that no caller can mistake it for an errno
 * and carry on. Each one is also recorded as an error event on the machine.
 */
export class SimHangError extends Error {
  override readonly name = 'SimHangError';
  constructor(
    /** blocked: the call would never return; killed: the kernel oopsed and killed the caller. */
    readonly kind: 'blocked' | 'killed',
    readonly op: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${op} ${path}: ${kind === 'blocked' ? 'would block forever' : 'the writer was killed by a kernel oops'} (${reason})`);
  }
}

export function isSimHangError(e: unknown): e is SimHangError {
  return e instanceof SimHangError;
}
