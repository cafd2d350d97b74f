import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { errnoWords } from '../units/errno-words.js';
import { ParkerError } from '../units/parker-error.js';
import type { MachineChoice } from '../service/machine-choice.js';
import { createApi } from './api.js';
import { EventHub } from './event-hub.js';
import { describeAddress, LOOPBACK, type ListenAddress } from './listen-address.js';
import { Metrics } from './metrics.js';
import { StatusReader } from './status-reader.js';
import { ensureToken } from './token.js';
import { addressFile, daemonAddressText, readDaemonAddress, tokenFile } from '../service/daemon-files.js';
import { replaceOwnFile } from '../machines/own-files.js';
import { Transactions } from './transactions.js';

export interface DaemonOptions {
  machine: MachineChoice;
  stateDir: string;
  listen: ListenAddress;
  version: string;
  /** How often the machine is looked at for partition, console and machine events. */
  pollMs?: number;
  maxBody?: number;
  log?: (line: Record<string, unknown>) => void;
  webDir?: string | null;
  /** Tests: block each write's worker this long at every step start. */
  blockMsPerStep?: number;
  /** How long a request (headers and body) may take to arrive; tests make it short. */
  requestTimeoutMs?: number;
  /** Connections held at once (default MAX_CONNECTIONS); tests make it small. */
  maxConnections?: number;
}

/** Dashboards, scripts and event streams of one machine: far fewer than this. */
export const MAX_CONNECTIONS = 512;
/** A daemon refusing connections says so at most this often (a flood would flood the log). */
const DROP_LOG_INTERVAL_MS = 10_000;

export interface Daemon {
  /** unix:PATH or http://HOST:PORT, with the port chosen when 0 was asked for. */
  address: string;
  listen: ListenAddress;
  token: string;
  tokenFile: string;
  hub: EventHub;
  transactions: Transactions;
  close(): Promise<void>;
}

let pending: string[] = [];
function flushLog(): void {
  if (pending.length === 0) return;
  const text = pending.join('');
  pending = [];
  process.stderr.write(text);
}
process.once('exit', flushLog);

/**
 * One JSON line per call on stderr. The lines of one turn of the event loop go out in one write
 * at its end (a busy daemon logs a thousand requests a second: one write each cost more than
 * the requests).
 */
export function stderrLog(line: Record<string, unknown>): void {
  if (pending.length === 0) setImmediate(flushLog);
  pending.push(JSON.stringify({ time: new Date().toISOString(), ...line }) + '\n');
}

/** Whether something answers on a unix socket (a daemon already running there). */
function socketAnswers(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(file);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function prepareSocket(file: string): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  if (!fs.existsSync(file)) return;
  if (!fs.lstatSync(file).isSocket()) throw new ParkerError('E_LISTEN', `${file} exists and is not a socket`, 'remove it or choose another path with --listen unix:PATH');
  if (await socketAnswers(file)) throw new ParkerError('E_LISTEN', `another daemon answers on ${file}`, 'stop it first, or listen elsewhere with --listen');
  fs.rmSync(file); // left by a daemon that died
}

/**
 * The daemon's parts, wired as it runs them (the API tests run the same wiring without a
 * listener): the reader thread answers status, and a write ends only after a read that began
 * after its last step. The reader is not started.
 */
export function wireDaemon(options: Omit<DaemonOptions, 'listen'> & { listen?: ListenAddress }) {
  const log = options.log ?? stderrLog;
  const token = ensureToken(options.stateDir);
  const hub = new EventHub(5000, Date.now() * 1000);
  const metrics = new Metrics();
  const reader = new StatusReader({ machine: options.machine, stateDir: options.stateDir, hub, pollMs: options.pollMs ?? 1000, log });
  const transactions = new Transactions({ machine: options.machine, stateDir: options.stateDir, hub, metrics, beforeEnd: () => reader.fresh(), ...(options.blockMsPerStep ? { blockMsPerStep: options.blockMsPerStep } : {}) });
  const app = createApi({ machine: options.machine, stateDir: options.stateDir, token, hub, metrics, transactions, reader, version: options.version, log, ...(options.maxBody ? { maxBody: options.maxBody } : {}), ...(options.webDir !== undefined ? { webDir: options.webDir } : {}), loopbackHostsOnly: options.listen?.kind === 'tcp' && LOOPBACK.has(options.listen.host) });
  return { log, token, hub, metrics, reader, transactions, app };
}

/** How long a request's headers may take: 10 s, or less when the whole request must be quicker. */
export const headersTimeoutMs = (requestTimeoutMs: number) => Math.min(10_000, requestTimeoutMs);

/**
 * How often node looks for requests over their time (30 s unless told): half the headers'
 * time, so that a request is cut off close to its limit rather than up to 30 s later.
 */
export const checkingIntervalMs = (requestTimeoutMs: number) => Math.max(100, headersTimeoutMs(requestTimeoutMs) / 2);

/**
 * Counts refused connections and has `say` tell them: the first of a burst at once, the rest
 * together when DROP_LOG_INTERVAL_MS is over (or at `flush`), so that a flood is told in full
 * without flooding the log. `count` is what `say` tells.
 */
function dropReporter(say: () => void) {
  let saidAt = -Infinity;
  let timer: NodeJS.Timeout | null = null;
  const reporter = {
    count: 0,
    flush() {
      if (timer) clearTimeout(timer);
      timer = null;
      if (reporter.count === 0) return;
      say();
      saidAt = Date.now();
      reporter.count = 0;
    },
    add() {
      reporter.count++;
      const wait = saidAt + DROP_LOG_INTERVAL_MS - Date.now();
      if (wait <= 0) reporter.flush();
      else timer ??= setTimeout(reporter.flush, wait).unref();
    },
  };
  return reporter;
}

/** Starts the daemon: the API, the dashboard and /metrics on one listener. */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  fs.mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
  const { log, token, hub, metrics, reader, transactions, app } = wireDaemon(options);
  const requestTimeout = options.requestTimeoutMs ?? 60_000;
  const headersTimeout = headersTimeoutMs(requestTimeout);
  const server = http.createServer({ connectionsCheckingInterval: checkingIntervalMs(requestTimeout) }, getRequestListener(app.fetch));
  // A request (its headers and its body, at most --max-body) must arrive within these; an event
  // stream is unaffected (its request is whole once its headers are), and a client that sends
  // half a body and waits does not hold a connection for ever.
  server.headersTimeout = headersTimeout;
  server.requestTimeout = requestTimeout;
  // Beyond it node closes a new connection at once, unanswered: counted, and said in the log.
  server.maxConnections = options.maxConnections ?? MAX_CONNECTIONS;
  const drops = dropReporter(() => log({ level: 'warn', msg: 'refusing connections: the daemon holds as many as it takes', maxConnections: server.maxConnections, dropped: drops.count }));
  server.on('drop', () => {
    metrics.connectionDropped();
    drops.add();
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  const listen = options.listen;
  let address: string;
  try {
    if (listen.kind === 'unix') {
      await prepareSocket(listen.path);
      // Created 0600 from the start: nobody else may connect, not even for a moment.
      const umask = process.umask(0o177);
      try {
        await new Promise<void>((resolve, reject) => server.once('error', reject).listen(listen.path, resolve));
      } finally {
        process.umask(umask);
      }
      fs.chmodSync(listen.path, 0o600);
      address = describeAddress(listen);
    } else {
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(listen.port, listen.host, resolve));
      const bound = server.address() as net.AddressInfo;
      address = describeAddress({ ...listen, port: bound.port });
    }
  } catch (e) {
    if (e instanceof ParkerError) throw e;
    throw new ParkerError('E_LISTEN', `cannot listen on ${describeAddress(listen)}: ${errnoWords(e)}`, 'choose another address with --listen, or stop what listens there');
  }

  reader.start();
  // For `parker api` to find this daemon wherever it listens; removed when it stops.
  const said = addressFile(options.stateDir);
  try {
    replaceOwnFile(said, `${said}.tmp`, daemonAddressText(address));
  } catch (e) {
    log({ level: 'warn', msg: 'cannot write the daemon address file', file: said, error: String((e as Error)?.message ?? e) });
  }
  log({ level: 'info', msg: 'listening', address, stateDir: options.stateDir, token: tokenFile(options.stateDir) });

  return {
    address,
    listen: listen.kind === 'tcp' ? { ...listen, port: (server.address() as net.AddressInfo).port } : listen,
    token,
    tokenFile: tokenFile(options.stateDir),
    hub,
    transactions,
    async close() {
      drops.flush();
      await reader.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      if (listen.kind === 'unix') fs.rmSync(listen.path, { force: true });
      // Only its own: another daemon for this state directory may have written it since.
      if (readDaemonAddress(options.stateDir) === address) fs.rmSync(said, { force: true });
      // A write stopped halfway would leave the machine half changed, its journal waiting for
      // `parker recover`: the running one ends in its worker first (no new one can start now).
      const running = transactions.current();
      if (running) {
        log({ level: 'warn', msg: 'closing: waiting for the running write to end', txn: running.id, action: running.action });
        await transactions.idle();
        log({ level: 'info', msg: 'the running write ended', txn: running.id, state: running.state });
      }
      log({ level: 'info', msg: 'stopped', address });
    },
  };
}

// What the serve command takes from the server layer, through this module only (docs/architecture.md).
export { parseListen } from './listen-address.js';
export { ensureToken } from './token.js';
