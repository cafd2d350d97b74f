import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkingIntervalMs, headersTimeoutMs, startDaemon, parseListen, type Daemon } from '../../src/server/daemon.js';
import { createSim } from '../../src/service/sim.js';
import { overSocket } from './helpers.js';

// Clients that misbehave: one that sends half a body and waits, one that goes away in the
// middle of its body, one that stops reading its event stream. None may hold the daemon.

describe('the daemon and clients that misbehave', () => {
  let daemon: Daemon;
  let socket: string;
  const logs: Record<string, unknown>[] = [];
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-clients-'));
  beforeAll(async () => {
    const stateDir = path.join(scratch, 'state');
    createSim(stateDir, { source: { kind: 'default' }, now: new Date('2026-12-07T12:00:00Z') });
    daemon = await startDaemon({ machine: { machine: 'sim', stateDir }, stateDir, listen: parseListen(undefined, stateDir), version: 'test', log: (l) => logs.push(l), webDir: null, pollMs: 60_000, requestTimeoutMs: 1000 });
    socket = path.join(stateDir, 'parker.sock');
  });
  afterAll(async () => {
    await daemon?.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  /** A raw connection that sends `text` and then nothing; resolves with what came back when it closed. */
  const halfRequest = (text: string, closeAfterMs: number | null) =>
    new Promise<{ answer: string; ms: number }>((resolve) => {
      const t0 = Date.now();
      let answer = '';
      const c = net.connect(socket, () => c.write(text));
      c.on('data', (d) => (answer += d.toString()));
      c.on('close', () => resolve({ answer, ms: Date.now() - t0 }));
      c.on('error', () => {});
      if (closeAfterMs !== null) setTimeout(() => c.destroy(), closeAfterMs);
      setTimeout(() => c.destroy(), 15_000);
    });

  it('closes a request whose body does not come in time (408), and answers others meanwhile', async () => {
    const pending = halfRequest('POST /api/v1/validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"layout":', null);
    const status = await new Promise<number>((resolve, reject) => {
      http.get({ socketPath: socket, path: '/api/v1/' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(status).toBe(200);
    const { answer, ms } = await pending;
    expect(answer).toContain('408');
    expect(ms).toBeLessThan(10_000);
  });

  it('closes a request whose headers do not come in time (408) close to that time, not up to 30 s later', async () => {
    const { answer, ms } = await halfRequest('GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX-Slow: ', null);
    expect(answer).toContain('408');
    // Headers are given 1 s here (requestTimeoutMs 1000), checked every half of it.
    expect(ms).toBeLessThan(3_000);
    // With the default 60 s for a request: headers within 10 s, looked for every 5 s (node's own 30 s let one wait 40).
    expect([headersTimeoutMs(60_000), checkingIntervalMs(60_000)]).toEqual([10_000, 5_000]);
  });

  it('counts a client gone in the middle of its body as the client\'s doing, not an internal error', async () => {
    const before = logs.length;
    await halfRequest('POST /api/v1/validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"layout":', 200);
    await new Promise((r) => setTimeout(r, 300));
    const lines = logs.slice(before);
    expect(lines.some((l) => l.msg === 'internal error')).toBe(false);
    expect(lines.filter((l) => l.msg === 'request' && l.status === 500)).toEqual([]);
  });

  it('lets an event stream go once a thousand events wait for a client that stopped reading', async () => {
    const others = daemon.hub.subscribers;
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get({ socketPath: socket, path: '/api/v1/events' }, resolve).on('error', reject);
    });
    res.pause();
    await new Promise((r) => setTimeout(r, 100));
    expect(daemon.hub.subscribers).toBe(others + 1);
    const closed = new Promise<void>((resolve) => res.socket.once('close', () => resolve()));
    const big = 'x'.repeat(4096);
    for (let i = 0; i < 3000; i++) daemon.hub.publish('console', { kernel: 'db', line: big });
    await new Promise((r) => setTimeout(r, 200));
    expect(daemon.hub.subscribers).toBe(others);
    expect(logs.some((l) => l.msg === 'event stream closed: its client stopped reading')).toBe(true);
    res.resume();
    await closed;
  });
});

describe('the daemon holding as many connections as it takes', () => {
  const logs: Record<string, unknown>[] = [];
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-connections-'));
  let daemon: Daemon;
  let socket: string;
  beforeAll(async () => {
    const stateDir = path.join(scratch, 'state');
    createSim(stateDir, { source: { kind: 'default' }, now: new Date('2026-12-07T12:00:00Z') });
    daemon = await startDaemon({ machine: { machine: 'sim', stateDir }, stateDir, listen: parseListen(undefined, stateDir), version: 'test', log: (l) => logs.push(l), webDir: null, pollMs: 60_000, maxConnections: 2 });
    socket = path.join(stateDir, 'parker.sock');
  });
  let closed = false;
  afterAll(async () => {
    if (!closed) await daemon?.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  const connect = () =>
    new Promise<net.Socket>((resolve, reject) => {
      const c = net.connect(socket, () => resolve(c));
      c.on('error', reject);
    });

  it('closes one more connection unanswered, says so in its log once, and counts it in /metrics', async () => {
    const held = [await connect(), await connect()];
    // Node closes the third at once; the client sees the end without an answer.
    const refused = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<string>((resolve) => {
            let answer = '';
            const c = net.connect(socket, () => c.write('GET /api/v1/ HTTP/1.1\r\nHost: x\r\n\r\n'));
            c.on('data', (d) => (answer += d.toString()));
            c.on('close', () => resolve(answer));
            c.on('error', () => {});
            setTimeout(() => c.destroy(), 5_000);
          }),
      ),
    );
    expect(refused).toEqual(['', '']);
    const said = () => logs.filter((l) => l.msg === 'refusing connections: the daemon holds as many as it takes');
    // The first at once; the second waits for the end of the 10 s, or for the daemon to stop.
    expect(said()).toEqual([expect.objectContaining({ level: 'warn', maxConnections: 2, dropped: 1 })]);
    for (const c of held) c.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const metrics = await overSocket(socket, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^parker_http_connections_dropped_total 2$/m);
    await daemon.close();
    closed = true;
    expect(said()).toEqual([expect.objectContaining({ dropped: 1 }), expect.objectContaining({ dropped: 1 })]);
  });
});

