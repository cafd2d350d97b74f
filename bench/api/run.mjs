// The daemon under load: a real `parker serve --listen 127.0.0.1:0` process on a fresh default
// simulated server; from this process, 50 clients poll GET /api/v1/status over keep-alive
// connections while one writer applies examples/default.yaml and destroys every partition, in
// a loop, for 30 s. Every request's latency is recorded; any error (a network error or a status
// that is not 2xx) fails the run. Target: no errors, and status p99 under 50 ms while a write runs.
//
//   node bench/api/run.mjs [--seconds N] [--clients N] [--reads-only] [--profile] [--no-write]
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { filesystemType, hasFlag, machineInfo, machineLines, mib, ms, PARKER_BIN, profileTables, REPO_ROOT, summarizeProfile, table, writeResults } from '../bench-support.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} needs a positive number, got ${JSON.stringify(process.argv[i + 1])}`);
  return n;
};
const SECONDS = arg('--seconds', 30);
const CLIENTS = arg('--clients', 50);
const PROFILE = hasFlag('--profile');
/** `--reads-only`: the 50 status clients alone, no writer (to compare). */
const WRITE = !hasFlag('--reads-only');
/** No request may take longer: a hung request is an error, and the whole run is bounded. */
const REQUEST_TIMEOUT_MS = 60_000;
const TARGET_P99_MS = 50;
const LAYOUT = fs.readFileSync(path.join(REPO_ROOT, 'examples/default.yaml'), 'utf8');
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

const info = machineInfo();
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-bench-api-'));
const stateDir = path.join(scratch, 'state');
const profDir = path.join(scratch, 'prof');
let daemon = null;

function cleanUp() {
  if (daemon && daemon.exitCode === null) daemon.kill('SIGKILL');
  fs.rmSync(scratch, { recursive: true, force: true });
}

/**
 * A copy of the built program (bin/, dist/, package.json; node_modules, examples and web/ linked)
 * for the run: a build started meanwhile in the checkout replaces dist/ under a running daemon.
 */
function copyOfBuild() {
  const tree = path.join(scratch, 'tree');
  for (let tries = 0; !fs.existsSync(path.join(REPO_ROOT, 'dist/bundle/main.cjs')); tries++) {
    if (tries > 120) throw new Error('dist/bundle/main.cjs is missing: npm run build');
    spawnSync('sleep', ['1']);
  }
  // Times kept, as a user's copy would keep them.
  for (const part of ['bin', 'dist', 'package.json']) fs.cpSync(path.join(REPO_ROOT, part), path.join(tree, part), { recursive: true, preserveTimestamps: true });
  for (const part of ['node_modules', 'examples', 'web']) fs.symlinkSync(path.join(REPO_ROOT, part), path.join(tree, part));
  return path.join(tree, 'bin', path.basename(PARKER_BIN));
}
const BIN = copyOfBuild();
process.on('SIGINT', () => {
  cleanUp();
  process.exit(130);
});

function parker(...args) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`parker ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Starts the daemon as its own process; resolves with its address once it listens. */
async function startDaemon() {
  const log = path.join(stateDir, 'daemon.log');
  const fd = fs.openSync(log, 'w');
  const flags = PROFILE ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];
  daemon = spawn(process.execPath, [...flags, BIN, 'serve', '--listen', '127.0.0.1:0', '--machine', 'sim', '--state-dir', stateDir], { stdio: ['ignore', 'ignore', fd] });
  fs.closeSync(fd);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (daemon.exitCode !== null) throw new Error(`parker serve exited ${daemon.exitCode}: ${fs.readFileSync(log, 'utf8')}`);
    const text = fs.readFileSync(log, 'utf8');
    const m = /"msg":"listening","address":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(text);
    if (m) return { address: m[1], log };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('parker serve did not listen within 30 s');
}

/** utime + stime (ms) and peak RSS (KB) of a process, from /proc. */
function procFigures(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { cpuMs, hwmKb: kb('VmHWM'), rssKb: kb('VmRSS'), threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? NaN) };
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

/** One request; resolves with status, body and the times around it (never rejects). */
function request(agent, base, method, pathname, { body, headers = {} } = {}) {
  return new Promise((resolve) => {
    const t0 = now();
    const url = new URL(pathname, base);
    const req = http.request(url, { agent, method, headers: { ...headers, ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}) }, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ t0, t1: now(), status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => resolve({ t0, t1: now(), status: 0, error: String(e) }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', (e) => resolve({ t0, t1: now(), status: 0, error: String(e.message ?? e) }));
    if (body) req.write(body);
    req.end();
  });
}

/**
 * A keep-alive HTTP/1.1 connection that sends GETs one at a time and reads answers framed by
 * Content-Length (what the daemon sends): a few times cheaper per request than node's http
 * client, so the 50 clients take less of the 2 CPUs the daemon needs. Anything else it cannot
 * read is an error.
 */
function rawConnection(base) {
  const url = new URL(base);
  let socket = null;
  let buffer = Buffer.alloc(0);
  let pending = null;
  const settle = (answer) => {
    const p = pending;
    pending = null;
    if (!p) return;
    clearTimeout(p.timer);
    p.resolve({ t0: p.t0, t1: now(), ...answer });
  };
  const parse = () => {
    if (!pending) return;
    const end = buffer.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = buffer.subarray(0, end).toString('latin1');
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) {
      socket?.destroy();
      return settle({ status: 0, error: `an answer without Content-Length: ${head.slice(0, 200)}` });
    }
    const size = Number(length[1]);
    if (buffer.length < end + 4 + size) return;
    const body = buffer.subarray(end + 4, end + 4 + size);
    buffer = buffer.subarray(end + 4 + size);
    settle({ status: Number(head.slice(9, 12)), body });
  };
  const open = () =>
    new Promise((resolve) => {
      const s = net.connect(Number(url.port), url.hostname);
      s.setNoDelay(true);
      s.on('data', (chunk) => {
        buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
        parse();
      });
      s.on('error', (e) => settle({ status: 0, error: String(e.message ?? e) }));
      s.on('close', () => {
        if (socket === s) socket = null;
        settle({ status: 0, error: 'the connection closed' });
      });
      s.once('connect', () => resolve(s));
      s.once('error', () => resolve(null));
    });
  return {
    async get(pathname) {
      if (!socket) {
        buffer = Buffer.alloc(0);
        socket = await open();
        if (!socket) return { t0: now(), t1: now(), status: 0, error: `cannot connect to ${base}` };
      }
      return new Promise((resolve) => {
        const t0 = now();
        const timer = setTimeout(() => {
          socket?.destroy();
          settle({ status: 0, error: `no answer in ${REQUEST_TIMEOUT_MS} ms` });
        }, REQUEST_TIMEOUT_MS);
        pending = { t0, resolve, timer };
        socket.write(`GET ${pathname} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
      });
    },
    close() {
      socket?.destroy();
    },
  };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
function latencies(values) {
  const s = Float64Array.from(values).sort();
  return { n: s.length, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s.length ? s[s.length - 1] : NaN };
}

async function main() {
  parker('sim', 'create', '--state-dir', stateDir);
  const token = parker('serve', '--show-token', '--machine', 'sim', '--state-dir', stateDir, '--quiet').trim();
  const { address, log } = await startDaemon();
  const pid = daemon.pid;
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS + 1 });
  const auth = { authorization: `Bearer ${token}` };

  // One untimed round first: the daemon's first status and topology read, the modules it loads.
  const warm = await request(agent, address, 'GET', '/api/v1/status');
  if (warm.status !== 200) throw new Error(`the first status answered ${warm.status}: ${warm.body ?? warm.error}`);

  const before = procFigures(pid);
  const benchCpu0 = process.cpuUsage();
  const status = []; // [t0, t1] per status request, in ms
  const errors = [];
  const writes = []; // { op, t0, t1 }
  const start = now();
  const end = start + SECONDS * 1000;
  let peakRssKb = before.rssKb;
  const sampler = setInterval(() => {
    try {
      peakRssKb = Math.max(peakRssKb, procFigures(pid).rssKb);
    } catch {
      /* the daemon has gone: reported below */
    }
  }, 250);

  const poller = async () => {
    const connection = rawConnection(address);
    while (now() < end) {
      const r = await connection.get('/api/v1/status');
      if (r.status !== 200 || !r.body.includes('"schema":"parker.status/v1"')) errors.push({ route: 'GET /api/v1/status', status: r.status, error: r.error ?? r.body.toString('utf8', 0, 300) });
      status.push(r.t0, r.t1);
    }
    connection.close();
  };
  const writer = async () => {
    while (now() < end) {
      for (const [op, route, body, ok] of [
        ['apply', '/api/v1/apply?wait=1', { layout: LAYOUT, name: 'default.yaml' }, (b) => b.state === 'done' && b.result?.outcome === 'applied'],
        ['destroy', '/api/v1/destroy?wait=1', { all: true }, (b) => b.state === 'done' && b.result?.outcome === 'applied'],
      ]) {
        const r = await request(agent, address, 'POST', route, { body: JSON.stringify(body), headers: auth });
        let parsed = null;
        try {
          parsed = JSON.parse(r.body);
        } catch {
          parsed = null;
        }
        if (r.status !== 200 || !parsed || !ok(parsed)) errors.push({ route: `POST ${route}`, status: r.status, error: r.error ?? r.body?.slice(0, 500) });
        writes.push({ op, t0: r.t0, t1: r.t1 });
      }
    }
  };
  await Promise.all([...Array.from({ length: CLIENTS }, poller), ...(WRITE ? [writer()] : [])]);
  const elapsedMs = now() - start;
  clearInterval(sampler);
  const after = procFigures(pid);
  const benchCpu = process.cpuUsage(benchCpu0);

  // The daemon's own count of what it answered, to check against ours.
  const metrics = await request(agent, address, 'GET', '/metrics');
  const served = [...(metrics.body ?? '').matchAll(/^parker_http_requests_total\{status="(\d+)"\} (\d+)/gm)].map((m) => [m[1], Number(m[2])]);
  agent.destroy();

  daemon.kill('SIGTERM');
  await new Promise((resolve) => (daemon.exitCode !== null ? resolve() : daemon.once('exit', resolve)));
  if (process.env.KEEP_LOG) fs.copyFileSync(log, process.env.KEEP_LOG);
  const logLines = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
  const daemonErrors = logLines.filter((l) => l.includes('"level":"error"'));
  // The daemon's own time per status request (its log's ms: from routing to the answer built;
  // the wait for the event loop and the socket writes are outside it).
  const inDaemon = latencies(logLines.filter((l) => l.includes('"path":"/api/v1/status"')).map((l) => JSON.parse(l).ms));

  // Status requests that overlapped an apply or destroy (its whole ?wait=1 request).
  const spans = writes.map((w) => [w.t0, w.t1]).sort((a, b) => a[0] - b[0]);
  const all = [];
  const during = [];
  const idle = [];
  for (let i = 0; i < status.length; i += 2) {
    const [t0, t1] = [status[i], status[i + 1]];
    const d = t1 - t0;
    all.push(d);
    let hit = false;
    for (const [w0, w1] of spans) {
      if (w0 > t1) break;
      if (w1 >= t0) {
        hit = true;
        break;
      }
    }
    (hit ? during : idle).push(d);
  }
  const sAll = latencies(all);
  const sDuring = latencies(during);
  const sIdle = latencies(idle);
  const byOp = (op) => latencies(writes.filter((w) => w.op === op).map((w) => w.t1 - w.t0));
  const applies = byOp('apply');
  const destroys = byOp('destroy');
  const writeBusyMs = spans.reduce((sum, [a, b]) => sum + (b - a), 0);
  const requests = all.length + writes.length;
  const met = errors.length === 0 && (WRITE ? sDuring.p99 < TARGET_P99_MS : sAll.p99 < TARGET_P99_MS);

  let profile = '';
  if (PROFILE) {
    // CPU.DATE.TIME.PID.TID.SEQ.cpuprofile: thread 0 is the daemon's own (the workers write theirs beside it).
    const file = fs.readdirSync(profDir).find((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
    if (process.env.KEEP_PROF) fs.cpSync(profDir, process.env.KEEP_PROF, { recursive: true });
    if (file) profile = profileTables(summarizeProfile(path.join(profDir, file), { top: 20 }));
  }

  const row = (label, s) => [label, String(s.n), ms(s.p50), ms(s.p90), ms(s.p99), ms(s.max)];
  const body = [
    '## Machine',
    '',
    ...machineLines(info, { 'State directory': `in ${os.tmpdir()} (${filesystemType(os.tmpdir())})` }),
    '',
    '## Setup',
    '',
    `- Daemon: \`node bin/parker.js serve --listen 127.0.0.1:0 --machine sim --state-dir DIR\`, its own process, on a fresh \`parker sim create\` default server (256 CPUs)${PROFILE ? ', under `node --cpu-prof`' : ''}; its request log (one JSON line per request) goes to a file.`,
    `- Load, from one benchmark process on the same machine: ${CLIENTS} clients each looping \`GET /api/v1/status\` (each on its own keep-alive connection, one request at a time; a minimal HTTP/1.1 client, cheaper than node's)${WRITE ? ', and one writer looping `POST /api/v1/apply?wait=1` (examples/default.yaml, 3 kernels) then `POST /api/v1/destroy?wait=1` `{"all": true}` with the bearer token' : ''}, for ${SECONDS} s. Loopback only; every request bounded (${REQUEST_TIMEOUT_MS / 1000} s).`,
    '- Latency: from sending the request to the last byte of the answer, taken in the benchmark process (whose own scheduling on the shared 2 CPUs is part of it). "During a write": the status request overlapped an apply or destroy request.',
    '',
    '## Figures',
    '',
    table(['', 'value'], [
      ['elapsed', `${(elapsedMs / 1000).toFixed(1)} s`],
      ['requests', String(requests)],
      ['**errors** (network, or not 2xx, or a write that did not apply)', `**${errors.length}**`],
      ['throughput (all requests)', `${(requests / (elapsedMs / 1000)).toFixed(0)} requests/s`],
      ['status throughput', `${(all.length / (elapsedMs / 1000)).toFixed(0)} requests/s`],
      ...(WRITE ? [['applies, destroys', `${applies.n}, ${destroys.n}`], ['share of the time a write ran', `${((100 * writeBusyMs) / elapsedMs).toFixed(0)}%`]] : []),
      ['daemon CPU time (user + sys) during the run', `${ms(after.cpuMs - before.cpuMs)} (${((after.cpuMs - before.cpuMs) / elapsedMs).toFixed(2)} CPUs)`],
      ['daemon peak RSS (VmHWM; RSS sampled every 250 ms)', `${mib(after.hwmKb)} (${mib(peakRssKb)})`],
      ['benchmark process CPU time (the clients)', `${ms((benchCpu.user + benchCpu.system) / 1000)}`],
      ['requests the daemon counted (parker_http_requests_total)', served.map(([s, n]) => `${n} × ${s}`).join(', ') || 'n/a'],
      ['daemon log lines at level error', String(daemonErrors.length)],
    ]),
    '',
    table(['latency', 'requests', 'p50', 'p90', 'p99', 'max'], [
      row('`GET /api/v1/status`, all', sAll),
      row('status, inside the daemon (its request log)', inDaemon),
      ...(WRITE ? [row('**status while an apply or destroy ran**', sDuring), row('status while no write ran', sIdle), row('`POST /api/v1/apply?wait=1`', applies), row('`POST /api/v1/destroy?wait=1`', destroys)] : []),
    ]),
    '',
    `Target (no errors; status p99 under ${TARGET_P99_MS} ms ${WRITE ? 'while applies run' : ''}): **${met ? 'met' : 'missed'}** (${errors.length} errors, p99 ${ms(WRITE ? sDuring.p99 : sAll.p99)}).`,
    ...(errors.length ? ['', 'First errors:', '', ...errors.slice(0, 5).map((e) => `- ${e.route}: ${e.status} ${String(e.error).replace(/\n/g, ' ')}`)] : []),
    ...(profile ? ['', '### Where the daemon spends its time (`node --cpu-prof`, the whole run)', '', profile] : []),
  ].join('\n');

  process.stdout.write(`${body}\n`);
  if (!hasFlag('--no-write')) writeResults(path.join(here, 'RESULTS.md'), 'bench/api results', body);
  return errors.length === 0;
}

let ok = false;
try {
  ok = await main();
} finally {
  cleanUp();
}
process.exit(ok ? 0 : 1);
