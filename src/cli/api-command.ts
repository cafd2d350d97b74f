import * as http from 'node:http';
import * as path from 'node:path';
import type { Command } from 'commander';
import { errnoWords } from '../units/errno-words.js';
import { READ_LIMITS, readBoundedFile, readBoundedStream } from '../machines/bounded-read.js';
import { isErrorCode, type ErrorCode } from '../units/error-codes.js';
import { ParkerError } from '../units/parker-error.js';
import { stateDirOf } from '../service/state-dir.js';
import { defaultSocketPath, readDaemonAddress, readToken } from '../service/daemon-files.js';
import type { MachineFlags } from './machine-flags.js';
import { commandFromSpec } from './command-from-spec.js';
import { specNamed } from './command-specs.js';
import { EXIT } from './exit-codes.js';
import type { CommandContext } from './command-context.js';

type Flags = MachineFlags & { data?: string; layout?: string; server?: string };

/** Where the daemon listens: its unix socket or a loopback HTTP address. */
type DaemonAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; url: URL };

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']);

/** `--server`: unix:PATH (or an absolute path) or http://HOST:PORT. */
function parseServer(text: string): DaemonAddress {
  if (text.startsWith('unix:')) return { kind: 'unix', path: path.resolve(text.slice(5)) };
  if (text.startsWith('/')) return { kind: 'unix', path: text };
  let url: URL | null = null;
  try {
    url = new URL(text);
  } catch {
    url = null;
  }
  if (!url || url.protocol !== 'http:' || url.pathname !== '/' || url.search) throw new ParkerError('E_USAGE', `--server ${JSON.stringify(text)} is not unix:PATH or http://HOST:PORT`, 'e.g. --server unix:/var/lib/parker/parker.sock or --server http://127.0.0.1:8080');
  return { kind: 'tcp', url };
}

function describeDaemon(address: DaemonAddress): string {
  return address.kind === 'unix' ? `unix:${address.path}` : address.url.origin;
}

/** "status" is /api/v1/status; a path from the root is taken as it is. */
function routeOf(text: string): string {
  if (text.startsWith('/')) return text;
  if (/^[a-z]+:\/\//i.test(text)) throw new ParkerError('E_USAGE', `${JSON.stringify(text)} is a URL, not a route`, 'give the route (/api/v1/status, or status) and the daemon with --server');
  return `/api/v1/${text}`;
}

/** The daemon's token from the state directory; null when there is none (a read needs none). */
function tokenOf(stateDir: string): string | null {
  try {
    return readToken(stateDir);
  } catch (e) {
    const why = e instanceof ParkerError ? e.message : errnoWords(e);
    // A token file that is not one says how to replace it; one this user may not read, whose it is.
    const hint = e instanceof ParkerError && e.code === 'E_STATE_CORRUPT' && e.hint ? e.hint : "run as the daemon's user (the token is 0600), or as root on a host";
    throw new ParkerError('E_DAEMON', `cannot read the daemon's token: ${why}`, hint);
  }
}

/**
 * Far more than any daemon takes (its --max-body is 1 MiB by default), and far less than
 * memory: `--data @/dev/zero` or an endless pipe fails at once rather than filling it.
 */
const MAX_DATA_BYTES = 64 << 20;

function readData(text: string): string {
  let body = text;
  if (text.startsWith('@')) {
    const file = text.slice(1);
    try {
      body = (file === '-' ? readBoundedStream(0, MAX_DATA_BYTES, 'standard input') : readBoundedFile(file, MAX_DATA_BYTES, 'request body')).toString('utf8');
    } catch (e) {
      if (e instanceof ParkerError) throw new ParkerError(e.code, `--data ${text}: ${e.message}`, file === '-' ? 'send a JSON body of a sane size' : 'give a JSON file after @ (or @- and a pipe)');
      throw new ParkerError('E_USAGE', `--data ${text}: cannot read ${file}: ${errnoWords(e)}`, 'give a readable JSON file after @');
    }
  }
  try {
    JSON.parse(body);
  } catch (e) {
    throw new ParkerError('E_USAGE', `--data is not JSON: ${(e as Error).message}`, `e.g. --data '{"all": true}', or --data @body.json`);
  }
  return body;
}

/** The body of --layout: the file's text, its name, and its directory for relative config: paths. */
function layoutBody(file: string): string {
  const where = path.resolve(file);
  let text: string;
  try {
    // As validate reads one: a regular file of at most READ_LIMITS.layout.
    text = readBoundedFile(where, READ_LIMITS.layout, 'layout').toString('utf8');
  } catch (e) {
    if (e instanceof ParkerError) throw e;
    throw new ParkerError('E_SPEC_READ', `cannot read ${file}: ${errnoWords(e)}`, 'check the path of --layout');
  }
  return JSON.stringify({ layout: text, name: path.basename(where).replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[^A-Za-z0-9]/, 'x').slice(0, 64), base: path.dirname(where) });
}

interface DaemonAnswer {
  status: number;
  contentType: string;
  body: string;
}

/**
 * One request to the daemon. An event stream is passed to `onChunk` as it comes; any other
 * answer is collected. Nothing listening is E_DAEMON.
 */
function requestDaemon(address: DaemonAddress, method: string, route: string, options: { body?: string; token?: string | null; onChunk?: (text: string) => void } = {}): Promise<DaemonAnswer> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(options.body));
  }
  const target = address.kind === 'unix' ? { socketPath: address.path, path: route, host: 'parker' } : { host: address.url.hostname.replace(/^\[|\]$/g, ''), port: Number(address.url.port || 80), path: route };
  return new Promise((resolve, reject) => {
    const req = http.request({ ...target, method, headers }, (res) => {
      const contentType = res.headers['content-type'] ?? '';
      const stream = contentType.startsWith('text/event-stream') && options.onChunk;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (stream ? options.onChunk!(chunk) : (body += chunk)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType, body }));
      res.on('error', reject);
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      const where = describeDaemon(address);
      if (e.code === 'ENOENT' || e.code === 'ECONNREFUSED') reject(new ParkerError('E_DAEMON', `no daemon listens on ${where}`, 'start it with `parker serve` (for the same state directory), or name it with --server'));
      else if (e.code === 'EACCES') reject(new ParkerError('E_DAEMON', `cannot connect to ${where}: ${errnoWords(e)}`, "run as the daemon's user (its socket is 0600), or as root on a host"));
      else reject(new ParkerError('E_DAEMON', `cannot talk to the daemon on ${where}: ${errnoWords(e)}`, 'see the daemon log'));
    });
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** The error an answer carries: an API error, or a transaction that failed (?wait=1). */
function errorOf(parsed: unknown): { code: string; message: string; hint: string | null } | null {
  const error = (parsed as { error?: { code?: unknown; message?: unknown; hint?: unknown } } | null)?.error;
  if (!error || typeof error.code !== 'string') return null;
  return { code: error.code, message: typeof error.message === 'string' ? error.message : '', hint: typeof error.hint === 'string' ? error.hint : null };
}

/** `parker api [METHOD] PATH`: one request to the running daemon, the token found in the state directory. */
export function apiCommand(ctx: CommandContext): Command {
  return commandFromSpec(specNamed('api')).action(async (first: string, second: string | undefined, opts: Flags) => {
    let method: string | null = null;
    let route = first;
    if (second !== undefined) {
      if (!METHODS.has(first.toUpperCase())) throw new ParkerError('E_USAGE', `${JSON.stringify(first)} is not an HTTP method`, `one of ${[...METHODS].join(', ')}, or the route alone`);
      method = first.toUpperCase();
      route = second;
    }
    if (opts.data !== undefined && opts.layout !== undefined) throw new ParkerError('E_USAGE', 'give --data or --layout, not both', 'a layout goes with --layout FILE; another body with --data');
    const body = opts.layout !== undefined ? layoutBody(opts.layout) : opts.data !== undefined ? readData(opts.data) : undefined;
    method ??= body !== undefined ? 'POST' : 'GET';
    const stateDir = stateDirOf(opts);
    // --server, else where the daemon of this state directory said it listens, else its default socket.
    const said = opts.server === undefined ? readDaemonAddress(stateDir) : null;
    const address = opts.server !== undefined ? parseServer(opts.server) : said !== null ? parseServer(said) : { kind: 'unix' as const, path: defaultSocketPath(stateDir) };
    // Reads need no token: it is sent with writes only.
    const token = method === 'GET' || method === 'HEAD' ? null : tokenOf(stateDir);
    const answer = await requestDaemon(address, method, routeOf(route), { ...(body !== undefined ? { body } : {}), token, onChunk: ctx.out });
    let parsed: unknown = null;
    if (answer.contentType.includes('json')) {
      try {
        parsed = JSON.parse(answer.body);
      } catch {
        parsed = null;
      }
    }
    if (parsed !== null) ctx.out(`${JSON.stringify(parsed, null, 2)}\n`);
    else if (answer.body !== '') ctx.out(answer.body.endsWith('\n') ? answer.body : `${answer.body}\n`);
    const outcome = (parsed as { result?: { outcome?: unknown } } | null)?.result?.outcome;
    if (answer.status >= 200 && answer.status < 300) {
      if (outcome === 'rolled-back') ctx.setExitCode(EXIT.rolledBack);
      return;
    }
    // An apply of a layout with errors: its diagnostics are printed above, as `parker apply` prints them.
    if (answer.status === 422 && outcome === 'invalid') {
      ctx.setExitCode(EXIT.invalid);
      return;
    }
    const error = errorOf(parsed);
    const code: ErrorCode = error && isErrorCode(error.code) ? error.code : 'E_INTERNAL';
    throw new ParkerError(code, `${method} ${routeOf(route)}: ${answer.status}${error ? ` ${error.message}` : ''}`, error?.hint ?? undefined);
  });
}
