import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { wireDaemon } from '../../src/server/daemon.js';
import { createSim } from '../../src/service/sim.js';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const DEFAULT_LAYOUT = fs.readFileSync(path.join(ROOT, 'examples/default.yaml'), 'utf8');
export const WRONG_LAYOUT = fs.readFileSync(path.join(ROOT, 'examples/wrong.yaml'), 'utf8');

/** The API in-process on a fresh simulated default server: requests go through app.request, no socket. */
export function apiOnSim(options: { maxBody?: number; blockMsPerStep?: number; pollMs?: number } = {}) {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-api-'));
  createSim(stateDir, { source: { kind: 'default' }, now: new Date('2026-11-27T12:00:00Z') });
  const logs: Record<string, unknown>[] = [];
  const { token, hub, metrics, reader, transactions, app } = wireDaemon({ machine: { machine: 'sim', stateDir }, stateDir, version: '0.0.0-test', webDir: null, log: (l) => logs.push(l), ...options });
  reader.start();
  const auth = { authorization: `Bearer ${token}` };
  const json = (body: unknown, headers: Record<string, string> = {}) => ({ method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { stateDir, token, hub, metrics, transactions, reader, app, logs, auth, json };
}

/** A request over a unix socket, bounded in time. */
export function overSocket(socketPath: string, pathname: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, path: pathname, method: options.method ?? 'GET', headers: options.headers ?? {}, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timed out: ${pathname}`)));
    req.on('error', reject);
    if (options.body) req.write(options.body);
    req.end();
  });
}

/** A response body as the tests read it: any shape, checked by the assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;
