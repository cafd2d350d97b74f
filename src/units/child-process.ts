import { createRequire } from 'node:module';
import type * as ChildProcess from 'node:child_process';

let loaded: typeof ChildProcess | undefined;

/**
 * node:child_process, loaded when something first runs a program. Loading it (and dgram behind
 * it) took about a millisecond of every command's start, and most commands run none: only a
 * real host's kexec, start writer and console reader do.
 */
export function childProcess(): typeof ChildProcess {
  return (loaded ??= createRequire(import.meta.url)('node:child_process') as typeof ChildProcess);
}
