import * as path from 'node:path';
import { ParkerError } from '../units/parker-error.js';
import { defaultSocketPath } from '../service/daemon-files.js';

/** Where the daemon listens: a unix socket (the default) or a loopback TCP address. */
export type ListenAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };


/** The loopback addresses --listen takes without --force. */
export const LOOPBACK: ReadonlySet<string> = new Set(['127.0.0.1', '::1']);

/**
 * Parses `--listen`: "unix:PATH" or an absolute path, "127.0.0.1:PORT" (or "localhost:PORT"), "[::1]:PORT". Any other
 * host is refused unless `force` (the API then answers whoever reaches it).
 */
export function parseListen(text: string | undefined, stateDir: string, force = false): ListenAddress {
  if (text === undefined || text === '') return { kind: 'unix', path: defaultSocketPath(stateDir) };
  if (text.startsWith('unix:')) return { kind: 'unix', path: path.resolve(text.slice(5)) };
  if (text.startsWith('/')) return { kind: 'unix', path: text };
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (!m) throw new ParkerError('E_LISTEN', `--listen ${JSON.stringify(text)} is not HOST:PORT, [IPV6]:PORT or unix:PATH`, 'use 127.0.0.1:PORT, [::1]:PORT or unix:PATH');
  // localhost is the IPv4 loopback here: one address, not whatever a resolver answers.
  const host = (m[1] ?? m[2])! === 'localhost' ? '127.0.0.1' : (m[1] ?? m[2])!;
  const port = Number(m[3]);
  if (port > 65535) throw new ParkerError('E_LISTEN', `--listen ${text}: port ${port} is out of range`, 'a port from 0 to 65535');
  if (!LOOPBACK.has(host) && !force) {
    throw new ParkerError('E_LISTEN', `--listen ${text} is not a loopback address: the API would answer anyone who reaches it`, 'listen on 127.0.0.1:PORT, [::1]:PORT or the unix socket, or add --force and put it behind a firewall');
  }
  return { kind: 'tcp', host, port };
}

export function describeAddress(address: ListenAddress): string {
  if (address.kind === 'unix') return `unix:${address.path}`;
  return address.host.includes(':') ? `http://[${address.host}]:${address.port}` : `http://${address.host}:${address.port}`;
}
