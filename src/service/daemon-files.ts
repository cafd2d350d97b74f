import * as path from 'node:path';
import { errnoWords } from '../units/errno-words.js';
import { ParkerError } from '../units/parker-error.js';
import { readBoundedFile } from '../machines/bounded-read.js';
import { asIdentity, liveness, selfIdentity } from '../apply/process-identity.js';
import { HOST_LOCK_DIR, HOST_STATE_DIR } from './state-dir.js';

// Where the daemon's files are for a state directory: what `parker serve` makes and `parker api`
// finds. Below both, since the CLI and the server may not import each other.

/** The default socket: /run/parker/parker.sock on a host, inside the state directory otherwise. */
export function defaultSocketPath(stateDir: string): string {
  return stateDir === HOST_STATE_DIR ? path.join(HOST_LOCK_DIR, 'parker.sock') : path.join(stateDir, 'parker.sock');
}

/** Where a running daemon says it listens (`unix:PATH` or `http://HOST:PORT`), for `parker api` to find one started with --listen. */
export function addressFile(stateDir: string): string {
  return path.join(stateDir, 'daemon-address');
}

/** What a daemon writes there: where it listens, and which process it is. */
export function daemonAddressText(address: string): string {
  return `${JSON.stringify({ address, owner: selfIdentity() })}\n`;
}

/**
 * The address the daemon of this state directory wrote, while that very process runs (its pid
 * and start time): a daemon killed without removing the file leaves an address anyone may
 * listen on next, and `parker api` sends its token there. Null otherwise (then the default
 * socket is tried).
 */
export function readDaemonAddress(stateDir: string): string | null {
  try {
    const said = JSON.parse(readBoundedFile(addressFile(stateDir), 4096, 'daemon address file').toString('utf8')) as { address?: unknown; owner?: unknown };
    const owner = asIdentity(said.owner);
    // Its start time is required: a pid alone may be another process by now.
    if (typeof said.address !== 'string' || !owner?.startTime || liveness(owner) !== 'alive') return null;
    return said.address;
  } catch {
    return null;
  }
}

/** The bearer token anything that changes state must send; it lives beside the journal. */
export function tokenFile(stateDir: string): string {
  return path.join(stateDir, 'api-token');
}

const MAX_TOKEN_BYTES = 4096;

/** The token, read; null when the daemon has not made one yet. */
export function readToken(stateDir: string): string | null {
  try {
    // A token is a line: a FIFO, a device or a huge file in its place is refused, not read.
    const text = readBoundedFile(tokenFile(stateDir), MAX_TOKEN_BYTES, 'token file').toString('utf8').trim();
    return text === '' ? null : text;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    if (e instanceof ParkerError) throw new ParkerError('E_STATE_CORRUPT', e.message, `remove it: the daemon makes a new one (rm ${tokenFile(stateDir)}, then restart parker serve)`);
    throw new ParkerError('E_IO', `cannot read ${tokenFile(stateDir)}: ${errnoWords(e)}`, 'check its owner and mode (0600)');
  }
}
