import { createRequire } from 'node:module';
import type * as ChildProcess from 'node:child_process';
import type * as Crypto from 'node:crypto';
import type * as Readline from 'node:readline/promises';

// Node's built-in modules that parker loads when it first uses them, not when a command starts:
// each takes a millisecond or more to load (child_process with dgram behind it; crypto 3-5 ms),
// and most commands never use them. node keeps what it loaded: a second call costs nothing.
const load = createRequire(import.meta.url);

/** To run a program: only a real host's kexec, start writer and console reader do. */
export const childProcess = () => load('node:child_process') as typeof ChildProcess;

/** To fingerprint a saved plan. */
export const nodeCrypto = () => load('node:crypto') as typeof Crypto;

/** To ask a question at the terminal. */
export const readline = () => load('node:readline/promises') as typeof Readline;
