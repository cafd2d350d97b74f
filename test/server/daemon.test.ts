import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../../src/server/daemon.js';
import { parseListen } from '../../src/server/listen-address.js';
import { defaultSocketPath } from '../../src/service/daemon-files.js';
import { createSim, injectSim } from '../../src/service/sim.js';
import { runCli } from '../run-cli.js';
import { DEFAULT_LAYOUT, overSocket, type Json } from './helpers.js';

// The daemon on real listeners: a unix socket and loopback TCP only, every wait bounded.

function simStateDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-daemon-'));
  createSim(dir, { source: { kind: 'default' }, now: new Date('2026-11-27T12:00:00Z') });
  return dir;
}

interface SseEvent {
  id: string | null;
  event: string;
  data: string;
}

/** Reads an event stream until `until` says stop (or the time runs out); `opened` is called at its first event (hello). */
function readSse(url: string, headers: Record<string, string>, until: (events: SseEvent[]) => boolean, ms = 20_000, opened?: () => void): Promise<SseEvent[]> {
  return new Promise((resolve, reject) => {
    const events: SseEvent[] = [];
    let buffer = '';
    const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const e: SseEvent = { id: null, event: 'message', data: '' };
          for (const line of block.split('\n')) {
            if (line.startsWith('id:')) e.id = line.slice(3).trim();
            else if (line.startsWith('event:')) e.event = line.slice(6).trim();
            else if (line.startsWith('data:')) e.data += line.slice(5).trim();
          }
          if (block.startsWith(':')) continue;
          events.push(e);
          if (events.length === 1) opened?.();
        }
        if (until(events)) {
          clearTimeout(timer);
          req.destroy();
          resolve(events);
        }
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`the stream did not deliver in ${ms} ms: ${JSON.stringify(events.map((e) => e.event))}`));
    }, ms);
    req.on('error', (e) => {
      if (!req.destroyed) reject(e);
    });
  });
}

describe('listen addresses', () => {
  it('defaults to a socket in the state directory, or /run/parker on a host', () => {
    expect(parseListen(undefined, '/tmp/s')).toEqual({ kind: 'unix', path: '/tmp/s/parker.sock' });
    expect(defaultSocketPath('/var/lib/parker')).toBe('/run/parker/parker.sock');
  });

  it('takes loopback addresses and refuses any other unless forced', () => {
    expect(parseListen('127.0.0.1:8080', '/tmp')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 8080 });
    expect(parseListen('[::1]:8080', '/tmp')).toEqual({ kind: 'tcp', host: '::1', port: 8080 });
    expect(parseListen('localhost:8080', '/tmp')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 8080 });
    for (const address of ['0.0.0.0:8080', '192.168.1.5:80', '[::]:80', 'example.com:80']) {
      expect(() => parseListen(address, '/tmp'), address).toThrow(expect.objectContaining({ code: 'E_LISTEN' }));
    }
    expect(parseListen('0.0.0.0:8080', '/tmp', true)).toEqual({ kind: 'tcp', host: '0.0.0.0', port: 8080 });
    expect(() => parseListen('127.0.0.1', '/tmp')).toThrow(expect.objectContaining({ code: 'E_LISTEN' }));
    expect(() => parseListen('127.0.0.1:99999', '/tmp')).toThrow(expect.objectContaining({ code: 'E_LISTEN' }));
  });

  it('parker serve refuses a non-loopback address before listening', async () => {
    const r = await runCli('serve', '--listen', '0.0.0.0:0', '--machine', 'sim', '--state-dir', fs.mkdtempSync(path.join(os.tmpdir(), 'parker-serve-')));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('E_LISTEN');
  });

  it('parker serve --show-token makes the token once (0600) and prints it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-serve-'));
    const first = await runCli('serve', '--show-token', '--state-dir', dir, '--machine', 'sim');
    expect(first.code).toBe(0);
    const token = fs.readFileSync(path.join(dir, 'api-token'), 'utf8').trim();
    expect(first.stdout).toBe(`${token}\n`);
    expect(fs.statSync(path.join(dir, 'api-token')).mode & 0o777).toBe(0o600);
    expect((await runCli('serve', '--show-token', '--state-dir', dir, '--machine', 'sim')).stdout).toBe(`${token}\n`);
  });
});

describe('the daemon on a unix socket', () => {
  let daemon: Daemon;
  let stateDir: string;
  beforeAll(async () => {
    stateDir = simStateDir();
    daemon = await startDaemon({ machine: { machine: 'sim', stateDir }, stateDir, listen: parseListen(undefined, stateDir), version: 'test', log: () => {}, webDir: null, pollMs: 100 });
  });
  afterAll(() => daemon?.close());

  it('makes the socket and the token with mode 0600', () => {
    const socket = path.join(stateDir, 'parker.sock');
    expect(daemon.address).toBe(`unix:${socket}`);
    expect(fs.statSync(socket).isSocket()).toBe(true);
    expect(fs.statSync(socket).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(stateDir, 'api-token')).mode & 0o777).toBe(0o600);
  });

  it('answers over it, and wants the token for writes', async () => {
    const socket = path.join(stateDir, 'parker.sock');
    const status = await overSocket(socket, '/api/v1/status');
    expect(status.status).toBe(200);
    expect(JSON.parse(status.body).schema).toBe('parker.status/v1');
    expect((await overSocket(socket, '/api/v1/recover', { method: 'POST' })).status).toBe(401);
    const ok = await overSocket(socket, '/api/v1/recover?wait=1', { method: 'POST', headers: { authorization: `Bearer ${daemon.token}` } });
    expect(ok.status).toBe(200);
  });

  it('refuses a second daemon on the same socket', async () => {
    await expect(startDaemon({ machine: { machine: 'sim', stateDir }, stateDir, listen: parseListen(undefined, stateDir), version: 'test', log: () => {}, webDir: null })).rejects.toMatchObject({ code: 'E_LISTEN' });
  });
});

describe('the daemon on loopback TCP: events', () => {
  let daemon: Daemon;
  let base: string;
  let stateDir: string;
  beforeAll(async () => {
    stateDir = simStateDir();
    daemon = await startDaemon({ machine: { machine: 'sim', stateDir }, stateDir, listen: parseListen('127.0.0.1:0', stateDir), version: 'test', log: () => {}, webDir: null, pollMs: 100 });
    base = daemon.address;
  });
  afterAll(() => daemon?.close());

  it('streams step progress, partition states, console lines and machine events, and resumes with Last-Event-ID', async () => {
    const streamed = readSse(`${base}/api/v1/events`, {}, (events) => events.some((e) => e.event === 'transaction' && JSON.parse(e.data).state === 'done') && events.some((e) => e.event === 'console') && events.filter((e) => e.event === 'partition' && JSON.parse(e.data).state === 'online').length >= 3);
    await new Promise((r) => setTimeout(r, 200));
    const res = await fetch(`${base}/api/v1/apply`, { method: 'POST', headers: { authorization: `Bearer ${daemon.token}`, 'content-type': 'application/yaml' }, body: DEFAULT_LAYOUT, signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(202);
    const events = await streamed;
    const types = new Set(events.map((e) => e.event));
    for (const t of ['hello', 'transaction', 'step', 'partition', 'console']) expect(types, t).toContain(t);
    // Machine events come with the partitions going online (when the watch sees them after its first look).
    await new Promise((r) => setTimeout(r, 300));
    const all = (await (await fetch(`${base}/api/v1/events?format=json&after=0`)).json() as Json).events;
    expect(all.some((e: { type: string }) => e.type === 'machine')).toBe(true);
    // Ids increase; a client that lost the stream resumes after the last id it saw.
    const ids = events.filter((e) => e.id).map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const middle = ids[Math.floor(ids.length / 2)]!;
    const resumed = await readSse(`${base}/api/v1/events`, { 'last-event-id': String(middle) }, (got) => got.some((e) => e.id === String(ids.at(-1))));
    const resumedIds = resumed.filter((e) => e.id).map((e) => Number(e.id));
    expect(resumedIds[0]).toBe(middle + 1);
  }, 40_000);

  it('numbers events on from its start time: an id of an earlier run gets hello, then a gap marked restarted, then everything', async () => {
    const all = (await (await fetch(`${base}/api/v1/events?format=json&after=0`)).json() as Json);
    expect(all.oldest).toBeGreaterThan(1_700_000_000_000_000); // microseconds since 1970
    const earlier = all.oldest - 1_000_000;
    const got = await readSse(`${base}/api/v1/events`, { 'last-event-id': String(earlier) }, (events) => events.some((e) => e.id === String(all.last)));
    expect(got[0]!.event).toBe('hello');
    expect(got[1]!.event).toBe('gap');
    expect(JSON.parse(got[1]!.data)).toMatchObject({ after: earlier, oldest: all.oldest, restarted: true });
    expect(Number(got.find((e) => e.id)!.id)).toBe(all.oldest);
  }, 20_000);

  it('streams a hazard\'s consequence as a machine event with its id, as it happens', async () => {
    // Another process (parker sim inject) makes db take a split lock: H02 is about the whole machine.
    let opened!: () => void;
    const hello = new Promise<void>((r) => (opened = r));
    const streamed = readSse(`${base}/api/v1/events`, {}, (events) => events.some((e) => e.event === 'machine' && JSON.parse(e.data).hazard === 'H02'), 20_000, opened);
    await hello;
    const injected = injectSim(stateDir, 'db', 'split-lock');
    expect(injected.map((e) => e.hazard)).toContain('H02');
    const events = await streamed;
    const h02 = events.filter((e) => e.event === 'machine').map((e) => JSON.parse(e.data)).find((d) => d.hazard === 'H02');
    expect(h02).toMatchObject({ hazard: 'H02', kernel: 'db', message: injected.find((e) => e.hazard === 'H02')!.message });
  }, 30_000);

  it('serves a note instead of the dashboard when none is built, and /metrics as text', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('npm run build:web');
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain('parker_kernels{state="online"} 3');
  });
});
