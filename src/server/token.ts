import { randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import { readToken, tokenFile } from '../service/daemon-files.js';
import { errnoWords } from '../units/errno-words.js';
import { ParkerError } from '../units/parker-error.js';


/** The token, made with mode 0600 on first start (exclusively: two daemons never make two). */
export function ensureToken(stateDir: string): string {
  const have = readToken(stateDir);
  if (have) return have;
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  try {
    fs.writeFileSync(tokenFile(stateDir), token + '\n', { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return readToken(stateDir) ?? token;
    throw new ParkerError('E_IO', `cannot write ${tokenFile(stateDir)}: ${errnoWords(e)}`, 'make the state directory writable');
  }
  return token;
}

/** Compares in constant time. */
export function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
