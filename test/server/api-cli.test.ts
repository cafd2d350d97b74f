import * as http from 'node:http';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSim } from '../../src/service/sim.js';
import { runCli } from '../run-cli.js';
import { DEFAULT_LAYOUT, ROOT, type Json } from './helpers.js';

// `parker api` against a real `parker serve` process on its default unix socket: the socket
// and the token are found from the state directory alone.

const BIN = path.join(ROOT, 'bin/parker.js');

function simStateDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-api-cli-'));
  createSim(dir, { source: { kind: 'default' }, now: new Date('2026-11-27T12:00:00Z') });
  return dir;
}

/** `parker serve` as its own process; resolves once it listens (bounded). */
function serve(stateDir: string, ...flags: string[]): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--machine', 'sim', '--state-dir', stateDir, ...flags], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`parker serve did not listen in 30 s: ${err}`)), 30_000);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      err += chunk;
      const m = /"msg":"listening","address":"([^"]+)"/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ child, address: m[1]! });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`parker serve exited ${code}: ${err}`));
    });
  });
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

const api = (stateDir: string, ...args: string[]) => runCli('api', ...args, '--machine', 'sim', '--state-dir', stateDir);

describe('parker serve as a service runs it', () => {
  it('writes only JSON lines to a standard error that is no terminal, from listening to stopped', async () => {
    const dir = simStateDir();
    const { child } = await serve(dir);
    let err = '';
    child.stderr!.on('data', (chunk: string) => (err += chunk));
    const said = new Promise<void>((resolve) => child.stderr!.once('end', () => resolve()));
    await stop(child);
    await said;
    const lines = err.split('\n').filter(Boolean);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(lines.map((l) => JSON.parse(l).msg)).toContain('stopped');
  });

  it('also says it in words at a terminal (script(1) gives it one), and stops at Ctrl-C', async () => {
    const dir = simStateDir();
    const child = spawn('script', ['-qfec', `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} serve --machine sim --state-dir ${JSON.stringify(dir)}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.setEncoding('utf8');
    // 'close', not 'exit': what script wrote last may still be on its way through the pipe.
    const ended = new Promise((resolve) => child.once('close', (code, signal) => resolve((out += `\n[script ended: ${code} ${signal}]`))));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line in 30 s: ${out}`)), 30_000);
        child.stdout!.on('data', (chunk: string) => {
          out += chunk;
          if (out.includes('parker serve: listening on unix:')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      // Ctrl-C typed at the terminal: the terminal sends SIGINT to parker.
      child.stdin!.write('\x03');
      await Promise.race([ended, new Promise((r) => setTimeout(r, 15_000))]);
      expect(out).toContain('parker serve: stopped');
      expect(out).toContain('"msg":"stopped"');
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('parker api, with no daemon', () => {
  it('says no daemon listens, with a stable code and the way to start one', async () => {
    const dir = simStateDir();
    const r = await api(dir, 'status');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('E_DAEMON');
    expect(r.stderr).toContain(`no daemon listens on unix:${path.join(dir, 'parker.sock')}`);
    expect(r.stderr).toContain('parker serve');
    const tcp = await runCli('api', 'status', '--server', 'http://127.0.0.1:1');
    expect(tcp.code).toBe(3);
    expect(tcp.stderr).toContain('E_DAEMON');
  });

  it('refuses what is not a method, a route or a server', async () => {
    const dir = simStateDir();
    expect((await api(dir, 'FETCH', 'status')).stderr).toContain('E_USAGE');
    expect((await api(dir, 'status', '--server', 'ftp://x')).stderr).toContain('E_USAGE');
    expect((await api(dir, 'validate', '--data', '{not json')).stderr).toContain('E_USAGE');
  });

  it('refuses a layout or a body that is no regular file, or never ends, before reading it all', async () => {
    const dir = simStateDir();
    const fifo = path.join(dir, 'layout.fifo');
    spawnSync('mkfifo', [fifo]);
    for (const args of [
      ['validate', '--layout', '/dev/zero'],
      ['validate', '--layout', fifo],
      ['validate', '--data', '@/dev/zero'],
      ['validate', '--data', `@${fifo}`],
    ]) {
      const r = await api(dir, ...args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toContain('E_TOO_BIG');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    // A body on standard input: read to its end, up to a limit.
    const sent = spawnSync(process.execPath, [BIN, 'api', 'validate', '--data', '@-', '--state-dir', dir], { input: '{"layout": "x"}', encoding: 'utf8', timeout: 30_000 });
    expect(sent.stderr).toContain('E_DAEMON');
    const endless = spawnSync(process.execPath, [BIN, 'api', 'validate', '--data', '@-', '--state-dir', dir], { stdio: [fs.openSync('/dev/zero', 'r'), 'pipe', 'pipe'], encoding: 'utf8', timeout: 30_000 });
    expect(endless.status).not.toBe(0);
    expect(endless.stderr).toContain('E_TOO_BIG');
    expect(endless.stderr).toContain('standard input sent more than 64 MiB');
  });
});

describe('parker api, with a daemon on its default socket', () => {
  let stateDir: string;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    stateDir = simStateDir();
    ({ child } = await serve(stateDir));
  });
  afterAll(() => stop(child));

  it('reads the status (GET, no token needed) and prints it as JSON', async () => {
    const r = await api(stateDir, 'status');
    expect(r.code, r.stderr).toBe(0);
    const status = JSON.parse(r.stdout) as Json;
    expect(status).toMatchObject({ schema: 'parker.status/v1', partitions: [], daemon: { transaction: null } });
    expect(r.stdout).toContain('\n  "schema"');
    const full = await api(stateDir, 'GET', '/api/v1/');
    expect(JSON.parse(full.stdout).schema).toBe('parker.api/v1');
  });

  it('applies a layout file with the token it finds in the state directory, then destroys', async () => {
    const applied = await api(stateDir, 'apply?wait=1', '--layout', path.join(ROOT, 'examples/default.yaml'));
    expect(applied.code, applied.stderr).toBe(0);
    expect(JSON.parse(applied.stdout)).toMatchObject({ schema: 'parker.transaction/v1', state: 'done', result: { outcome: 'applied' } });
    const status = JSON.parse((await api(stateDir, 'status')).stdout) as Json;
    expect(status.partitions.map((p: { name: string }) => p.name).sort()).toEqual(['batch', 'db', 'web']);
    // Named as the client named it; kept by the daemon where `apply --applied` reads it.
    expect(status.layout.file).toBe('default.yaml');
    expect(status.layout.source).toMatch(/uploads\/.+\/default\.yaml$/);
    const destroyed = await api(stateDir, 'POST', 'destroy?wait=1', '--data', '{"all": true}');
    expect(destroyed.code, destroyed.stderr).toBe(0);
    expect(JSON.parse(destroyed.stdout).result.outcome).toBe('applied');
  }, 60_000);

  it('exits 1 for an apply whose layout has errors, printing its diagnostics, as parker apply does', async () => {
    const r = await api(stateDir, 'apply?wait=1', '--layout', path.join(ROOT, 'examples/wrong.yaml'));
    expect(r.code, r.stderr).toBe(1);
    const txn = JSON.parse(r.stdout) as Json;
    expect(txn).toMatchObject({ schema: 'parker.transaction/v1', state: 'done', result: { outcome: 'invalid' } });
    expect(txn.result.diagnostics.length).toBeGreaterThan(0);
  }, 60_000);

  it('exits with the code of the error the daemon answers', async () => {
    const missing = await api(stateDir, 'status/nosuch');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('E_NOT_FOUND');
    expect(JSON.parse(missing.stdout).error.code).toBe('E_NOT_FOUND');
    // Another state directory's token is not this daemon's.
    const other = simStateDir();
    fs.writeFileSync(path.join(other, 'api-token'), 'not-the-token\n', { mode: 0o600 });
    const forbidden = await api(other, 'recover', '--data', '{}', '--server', `unix:${path.join(stateDir, 'parker.sock')}`);
    expect(forbidden.code).toBe(2);
    expect(forbidden.stderr).toContain('E_FORBIDDEN');
  });

  it('sends a layout file\'s directory as base: its relative config: paths are read from there', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-layout-'));
    fs.mkdirSync(path.join(dir, 'configs'));
    fs.writeFileSync(path.join(dir, 'configs/db.config'), 'CONFIG_X86_PKG_TEMP_THERMAL=y\n');
    const layout = DEFAULT_LAYOUT.replace('    profile: latency\n', '    profile: latency\n    config: configs/db.config\n');
    expect(layout).not.toBe(DEFAULT_LAYOUT);
    fs.writeFileSync(path.join(dir, 'layout.yaml'), layout);
    const validated = await api(stateDir, 'validate', '--layout', path.join(dir, 'layout.yaml'));
    expect(validated.code, validated.stderr).toBe(0);
    const report = JSON.parse(validated.stdout) as Json;
    expect(report.file).toBe('layout.yaml');
    expect(report.diagnostics.some((d: { message: string }) => d.message.includes('CONFIG_X86_PKG_TEMP_THERMAL'))).toBe(true);
    // Without a base the daemon has no directory to read it from.
    fs.writeFileSync(path.join(dir, 'body.json'), JSON.stringify({ layout, name: 'layout.yaml' }));
    const unbased = await api(stateDir, 'validate', '--data', `@${path.join(dir, 'body.json')}`);
    expect(unbased.code).not.toBe(0);
    expect(unbased.stderr).toContain('E_SPEC_READ');
  });
});

describe('parker api, with a daemon on loopback TCP', () => {
  let child: ChildProcess | undefined;
  let address: string;
  let stateDir: string;
  beforeAll(async () => {
    stateDir = simStateDir();
    ({ child, address } = await serve(stateDir, '--listen', '127.0.0.1:0'));
  });
  afterAll(() => stop(child));

  it('talks to it with --server, and prints what is not JSON as it comes', async () => {
    const r = await api(stateDir, 'status', '--server', address);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).schema).toBe('parker.status/v1');
    const metrics = await api(stateDir, '/metrics', '--server', address);
    expect(metrics.code).toBe(0);
    expect(metrics.stdout).toContain('# TYPE parker_up gauge');
  });
});

describe('stopping parker serve while a write runs', () => {
  it('lets the write end (every kernel online, no unfinished transaction), then exits', async () => {
    const stateDir = simStateDir();
    const { child } = await serve(stateDir, '--block-per-step', '100');
    let log = '';
    child.stderr!.on('data', (chunk: string) => (log += chunk));
    const started = await api(stateDir, 'apply', '--layout', path.join(ROOT, 'examples/default.yaml'));
    expect(started.code, started.stderr).toBe(0);
    expect(JSON.parse(started.stdout)).toMatchObject({ state: 'running' });
    // Some steps in, far from the end (27 steps of at least 100 ms each).
    await new Promise((resolve) => setTimeout(resolve, 700));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 30_000))])).toBe(0);
    expect(log).toContain('waiting for the running write to end');
    const status = await runCli('status', '-o', 'json', '--machine', 'sim', '--state-dir', stateDir);
    expect(status.code, status.stderr).toBe(0);
    const parsed = JSON.parse(status.stdout) as Json;
    expect(parsed.partitions.map((p: { name: string; state: string }) => `${p.name} ${p.state}`).sort()).toEqual(['batch online', 'db online', 'web online']);
    expect(parsed).toMatchObject({ unfinishedTransaction: null, applyRunning: null });
  }, 60_000);
});

describe('parker api, with a daemon started with --listen on a TCP port', () => {
  it('finds it without --server, through the address the daemon wrote, which goes when it stops', async () => {
    const stateDir = simStateDir();
    const { child, address } = await serve(stateDir, '--listen', '127.0.0.1:0');
    try {
      expect(JSON.parse(fs.readFileSync(path.join(stateDir, 'daemon-address'), 'utf8'))).toMatchObject({ address, owner: { pid: child.pid } });
      const r = await api(stateDir, 'status');
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).schema).toBe('parker.status/v1');
    } finally {
      await stop(child);
    }
    expect(fs.existsSync(path.join(stateDir, 'daemon-address'))).toBe(false);
    const gone = await api(stateDir, 'status');
    expect(gone.code).toBe(3);
    expect(gone.stderr).toContain('E_DAEMON');
  }, 60_000);

  it('does not follow an address left by a daemon that is gone: the token goes to no one else', async () => {
    const stateDir = simStateDir();
    // What a daemon killed with SIGKILL leaves: its address, a pid that runs something else now.
    const other = http.createServer((req, res) => {
      heard.push(req.headers.authorization ?? '');
      res.end('{}');
    });
    const heard: string[] = [];
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const port = (other.address() as { port: number }).port;
      fs.writeFileSync(path.join(stateDir, 'daemon-address'), JSON.stringify({ address: `http://127.0.0.1:${port}`, owner: { pid: process.pid, hostname: os.hostname(), startTime: 'not its start time' } }));
      fs.writeFileSync(path.join(stateDir, 'api-token'), 'secret-token\n', { mode: 0o600 });
      const r = await api(stateDir, 'recover', '--data', '{}');
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`no daemon listens on unix:${path.join(stateDir, 'parker.sock')}`);
      expect(heard).toEqual([]);
    } finally {
      other.close();
    }
  });
});
