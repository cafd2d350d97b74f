import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../run-cli.js';
import { describe, expect, it } from 'vitest';
import { ApplyLock } from '../../src/apply/lock.js';
import { openMachine } from '../../src/service/open-machine.js';
import { interfaceFor } from '../../src/service/kernel-interfaces.js';
import { planLayout } from '../../src/service/plan.js';
import { savePlan } from '../../src/service/saved-plan.js';
import { apiOnSim, DEFAULT_LAYOUT, WRONG_LAYOUT, type Json } from './helpers.js';
import { wireDaemon } from '../../src/server/daemon.js';

// Every route of /api/v1 in-process (app.request: no socket) on the simulated default server.
// Writes run in a worker thread from dist/ (npm test builds first).

describe('the API: reads', () => {
  const { app } = apiOnSim();

  it('lists its routes', async () => {
    const res = await app.request('/api/v1/');
    expect(res.status).toBe(200);
    const body = await res.json() as Json;
    expect(body.schema).toBe('parker.api/v1');
    expect(body.routes).toContain('POST /api/v1/apply (token)');
  });

  it('describes the machine (topology) and its status', async () => {
    const topology = await (await app.request('/api/v1/topology')).json() as Json;
    expect(topology.schema).toBe('parker.topology/v1');
    expect(topology.cpu.length).toBe(256);
    const status = await (await app.request('/api/v1/status')).json() as Json;
    expect(status).toMatchObject({ schema: 'parker.status/v1', partitions: [], layout: null, daemon: { transaction: null } });
  });

  it('answers 404 with a stable code for a kernel or a route that does not exist', async () => {
    const res = await app.request('/api/v1/status/nosuch');
    expect(res.status).toBe(404);
    expect((await res.json() as Json).error.code).toBe('E_NOT_FOUND');
    const route = await app.request('/api/v1/nothing-here');
    expect(route.status).toBe(404);
    expect(await route.json() as Json).toMatchObject({ schema: 'parker.error/v1', error: { code: 'E_NOT_FOUND', status: 404 } });
    expect((await app.request('/api/v1/console/nosuch')).status).toBe(404);
  });

  it('validates a posted layout: diagnostics carry the posted name and line numbers', async () => {
    const good = await app.request('/api/v1/validate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ layout: DEFAULT_LAYOUT, name: 'default.yaml' }) });
    expect(good.status).toBe(200);
    expect(await good.json() as Json).toMatchObject({ schema: 'parker.validate/v1', file: 'default.yaml', errors: 0 });
    const bad = await (await app.request('/api/v1/validate', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: WRONG_LAYOUT })).json() as Json;
    expect(bad.errors).toBeGreaterThan(0);
    const h21 = bad.diagnostics.find((d: { hazard?: string }) => d.hazard === 'H21');
    expect(h21.location).toMatchObject({ file: 'layout.yaml', line: 15 });
  });

  it('resolves a posted layout\'s relative config: paths against its base, keeping every line where it was', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-base-'));
    fs.mkdirSync(path.join(dir, 'k'));
    fs.writeFileSync(path.join(dir, 'k/web.config'), 'CONFIG_X86_PKG_TEMP_THERMAL=y\n');
    const layout = WRONG_LAYOUT.replace(/^(kernels:\n {2}- name: \S+\n)/m, '$1    config: "k/web.config" # relative\n');
    expect(layout).not.toBe(WRONG_LAYOUT);
    const post = (body: unknown) => app.request('/api/v1/validate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const based = (await (await post({ layout, base: dir })).json()) as Json;
    expect(based.diagnostics.some((d: { message: string }) => d.message.includes('CONFIG_X86_PKG_TEMP_THERMAL'))).toBe(true);
    // One line more than examples/wrong.yaml above it: H21 moves down by exactly one, no more.
    expect(based.diagnostics.find((d: { hazard?: string }) => d.hazard === 'H21').location).toMatchObject({ file: 'layout.yaml', line: 16 });
    // No base: the path has no directory to be relative to.
    const unbased = await post({ layout });
    expect(unbased.status).toBe(422);
    expect(((await unbased.json()) as Json).error.code).toBe('E_SPEC_READ');
    // A relative base is refused before anything is read.
    for (const route of ['/api/v1/validate', '/api/v1/plan']) {
      const relative = await app.request(route, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ layout, base: 'configs' }) });
      expect(relative.status, route).toBe(400);
      expect(((await relative.json()) as Json).error.code).toBe('E_REQUEST');
    }
  });

  it("reports on the applied layout as it was applied, whatever its file has become since", async () => {
    const { app: own, stateDir } = apiOnSim();
    const file = path.join(stateDir, 'edited-later.yaml');
    fs.writeFileSync(file, DEFAULT_LAYOUT);
    expect((await runCli('apply', file, '--state-dir', stateDir)).code).toBe(0);
    expect((await (await own.request('/api/v1/validate/applied')).json()) as Json).toMatchObject({ file, errors: 0 });
    // A daemon started afresh (nothing remembered) on the same state directory.
    const report = async () => {
      const { app: fresh } = wireDaemon({ machine: { machine: 'sim', stateDir }, stateDir, version: '0.0.0-test', webDir: null, log: () => undefined });
      return (await (await fresh.request('/api/v1/validate/applied')).json()) as Json;
    };
    fs.writeFileSync(file, WRONG_LAYOUT);
    expect(await report()).toMatchObject({ file, errors: 0 });
    fs.rmSync(file);
    expect(await report()).toMatchObject({ file, errors: 0 });
  });

  it('has no applied layout to report on before one is applied', async () => {
    const res = await app.request('/api/v1/validate/applied');
    expect(res.status).toBe(409);
    expect((await res.json() as Json).error.code).toBe('E_NO_LAYOUT');
  });

  it('plans a posted layout without changing anything', async () => {
    const plan = await (await app.request('/api/v1/plan', { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: DEFAULT_LAYOUT })).json() as Json;
    expect(plan.schema).toBe('parker.plan-report/v1');
    expect(plan.plan.steps.length).toBeGreaterThan(10);
    expect((await (await app.request('/api/v1/status')).json() as Json).partitions).toEqual([]);
  });

  it('serves the journal, transactions and events as JSON', async () => {
    expect(await (await app.request('/api/v1/journal')).json() as Json).toMatchObject({ schema: 'parker.journal-view/v1', transactions: [] });
    expect(await (await app.request('/api/v1/transactions')).json() as Json).toEqual({ schema: 'parker.transactions/v1', transactions: [] });
    expect(await (await app.request('/api/v1/events?format=json')).json() as Json).toMatchObject({ schema: 'parker.events/v1', events: [] });
  });
});

describe('the API: refusals', () => {
  const { app, auth, json } = apiOnSim({ maxBody: 4096 });

  it('answers 401 to a write without a token and 403 to a wrong one, on every write route', async () => {
    const writes: [string, unknown][] = [
      ['/api/v1/apply', { layout: 'x' }],
      ['/api/v1/kernels/db/start', {}],
      ['/api/v1/kernels/db/stop', {}],
      ['/api/v1/destroy', { all: true }],
      ['/api/v1/recover', {}],
    ];
    for (const [route, body] of writes) {
      const none = await app.request(route, json(body));
      expect(none.status, route).toBe(401);
      expect((await none.json() as Json).error.code).toBe('E_UNAUTHORIZED');
      const wrong = await app.request(route, json(body, { authorization: 'Bearer not-the-token' }));
      expect(wrong.status, route).toBe(403);
      expect((await wrong.json() as Json).error.code).toBe('E_FORBIDDEN');
    }
  });

  it('answers 405 with Allow to a method a path does not take, and 404 in JSON to a path no version of the API has', async () => {
    for (const [method, route, allow] of [['DELETE', '/api/v1/status', 'GET, HEAD'], ['GET', '/api/v1/apply', 'POST'], ['PUT', '/api/v1/kernels/db/start', 'POST'], ['POST', '/api/v1/status/db', 'GET, HEAD']] as const) {
      const res = await app.request(route, { method });
      expect(res.status, `${method} ${route}`).toBe(405);
      expect(res.headers.get('allow')).toBe(allow);
      expect((await res.json() as Json).error.code).toBe('E_METHOD');
    }
    for (const method of ['POST', 'DELETE']) {
      const res = await app.request('/metrics', { method });
      expect(res.status, `${method} /metrics`).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
      expect((await res.json() as Json).error.code).toBe('E_METHOD');
    }
    expect((await app.request('/metrics', { method: 'HEAD' })).status).toBe(200);
    for (const route of ['/api/v1/nosuch', '/api/v2/status', '/api/']) {
      const res = await app.request(route);
      expect(res.status, route).toBe(404);
      expect((await res.json() as Json).error.code).toBe('E_NOT_FOUND');
    }
  });

  it('answers 400 to a query parameter it cannot take, naming it', async () => {
    for (const route of ['/api/v1/console/db?tail=abc', '/api/v1/console/db?tail=0', '/api/v1/console/db?tail=-5', '/api/v1/status/db?tail=x', '/api/v1/events?format=json&after=abc', '/api/v1/events?format=json&after=-1', '/api/v1/events?format=json&types=step,bogus', '/api/v1/events?format=xml']) {
      const res = await app.request(route);
      expect(res.status, route).toBe(400);
      const error = (await res.json() as Json).error;
      expect(error.code).toBe('E_REQUEST');
      expect(error.message, route).toMatch(/^(tail|after|types|format): /);
    }
  });

  it('answers 413 to a body over the limit', async () => {
    const res = await app.request('/api/v1/validate', json({ layout: 'x'.repeat(10_000) }));
    expect(res.status).toBe(413);
    expect((await res.json() as Json).error).toMatchObject({ code: 'E_BODY_TOO_LARGE', status: 413 });
  });

  it('answers 400 to a malformed body or one that does not match the schema', async () => {
    const cases = [
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"layout": ' },
      json({ layout: 'kind: Layout', extra: 1 }),
      json({ layout: 42 }),
      json({ layout: 'kind: Layout', name: '../../etc/passwd' }),
      { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' },
    ];
    for (const request of cases) {
      const res = await app.request('/api/v1/plan', request);
      expect(res.status, String(request.body)).toBe(400);
      expect((await res.json() as Json).error.code).toBe('E_REQUEST');
    }
    // Each names the field, or the forms the route takes when the body is near none of them.
    const said = async (route: string, body: unknown) => {
      const res = await app.request(route, json(body, auth));
      expect(res.status).toBe(400);
      return (await res.json() as Json).error.message as string;
    };
    expect(await said('/api/v1/destroy', { all: false })).toMatch(/: all: .*true/);
    expect(await said('/api/v1/destroy', {})).toContain('it must be {"name": "KERNEL"} or {"all": true}');
    expect(await said('/api/v1/destroy', { name: 'db', all: true })).toContain('it must be {"name": "KERNEL"} or {"all": true}');
    expect(await said('/api/v1/apply', { layout: 'kind: Layout', dryRun: 'yes' })).toMatch(/: dryRun: .*boolean/);
    const relative = await app.request('/api/v1/apply', json({ layout: 'kind: Layout', base: 'here' }, auth));
    expect(relative.status).toBe(400);
    expect((await relative.json() as Json).error.code).toBe('E_REQUEST');
  });

  it('keeps no upload of an apply refused while another write runs', async () => {
    const { stateDir, app: busy, auth: a, json: j, transactions } = apiOnSim({ blockMsPerStep: 200 });
    const first = await busy.request('/api/v1/apply', j({ layout: DEFAULT_LAYOUT, name: 'first.yaml' }, a));
    expect(first.status).toBe(202);
    const second = await busy.request('/api/v1/apply', j({ layout: DEFAULT_LAYOUT, name: 'second.yaml' }, a));
    expect(second.status).toBe(409);
    const uploaded = fs.readdirSync(path.join(stateDir, 'uploads')).flatMap((d) => fs.readdirSync(path.join(stateDir, 'uploads', d)));
    expect(uploaded).toEqual(['first.yaml']);
    await transactions.idle();
  });

  it('answers a write with E_LOCKED (409) while another parker holds the lock', async () => {
    const { stateDir, app: locked, auth: a, json: j } = apiOnSim();
    const lock = new ApplyLock(stateDir);
    lock.acquire('apply by hand');
    try {
      const res = await locked.request('/api/v1/apply?wait=1', j({ layout: DEFAULT_LAYOUT }, a));
      expect(res.status).toBe(409);
      expect((await res.json() as Json).error.code).toBe('E_LOCKED');
      // Its upload is not kept: nothing names it.
      expect(fs.readdirSync(path.join(stateDir, 'uploads'))).toEqual([]);
    } finally {
      lock.release();
    }
  });
});

describe('the API, after another parker changed the machine', () => {
  const { app, auth, json, stateDir } = apiOnSim({ pollMs: 60_000 });

  it('knows a kernel made since its last read: it looks again before answering 404', async () => {
    expect((await (await app.request('/api/v1/status')).json() as Json).partitions).toEqual([]);
    expect((await runCli('apply', 'examples/default.yaml', '--state-dir', stateDir)).code).toBe(0);
    const stop = await app.request('/api/v1/kernels/db/stop?wait=1', json({}, auth));
    expect(stop.status).toBe(200);
    expect((await stop.json() as Json).result.outcome).toBe('applied');
  }, 60_000);
});

describe('the API token, made anew while the daemon runs', () => {
  const { app, json, auth, stateDir } = apiOnSim();

  it('takes effect at once: the new token is accepted, the old one refused', async () => {
    const file = path.join(stateDir, 'api-token');
    fs.rmSync(file);
    fs.writeFileSync(file, 'a-new-token\n', { mode: 0o600 });
    expect((await app.request('/api/v1/recover', json({}, auth))).status).toBe(403);
    expect((await app.request('/api/v1/recover?wait=1', json({}, { authorization: 'Bearer a-new-token' }))).status).toBe(200);
  });

  it('with the file removed or emptied no token is in force: the one the daemon started with does not come back', async () => {
    const file = path.join(stateDir, 'api-token');
    for (const revoke of [() => fs.rmSync(file), () => fs.writeFileSync(file, '\n', { mode: 0o600 })]) {
      revoke();
      for (const token of [auth.authorization, 'Bearer a-new-token']) {
        const res = await app.request('/api/v1/recover', json({}, { authorization: token }));
        expect(res.status).toBe(403);
        expect(((await res.json()) as Json).error).toMatchObject({ code: 'E_FORBIDDEN', message: expect.stringContaining('no token in force') });
      }
    }
    fs.writeFileSync(file, 'a-third-token\n', { mode: 0o600 });
    expect((await app.request('/api/v1/recover?wait=1', json({}, { authorization: 'Bearer a-third-token' }))).status).toBe(200);
  });
});

describe('the API: an apply of a layout with errors', () => {
  const { app, auth, json } = apiOnSim();

  it('answers 422 with the transaction and its diagnostics for an apply whose layout has errors, and counts it as failed', async () => {
    const res = await app.request('/api/v1/apply?wait=1', json({ layout: fs.readFileSync('examples/wrong.yaml', 'utf8'), name: 'wrong.yaml' }, auth));
    expect(res.status).toBe(422);
    const txn = await res.json() as Json;
    expect(txn).toMatchObject({ schema: 'parker.transaction/v1', state: 'done', result: { outcome: 'invalid' } });
    const metrics = await (await app.request('/metrics')).text();
    expect(metrics).toMatch(/parker_failures_total\{[^}]*code="E_INVALID"[^}]*\} 1/);
  });
});

describe('the API: the console of a kernel with no partition', () => {
  const { app, auth, json } = apiOnSim();

  it('is 404, and says so of a kernel of the applied layout that was destroyed', async () => {
    expect((await app.request('/api/v1/apply?wait=1', json({ layout: DEFAULT_LAYOUT, name: 'default.yaml' }, auth))).status).toBe(200);
    expect((await (await app.request('/api/v1/destroy?wait=1', json({ name: 'web' }, auth))).json() as Json).result.outcome).toBe('applied');
    const web = await app.request('/api/v1/console/web');
    expect(web.status).toBe(404);
    expect((await web.json() as Json).error).toMatchObject({ code: 'E_NOT_FOUND', message: expect.stringContaining('web has no partition on simulated default server: it is a kernel of the applied layout'), hint: expect.stringContaining('parker start web') });
    const nosuch = await app.request('/api/v1/console/nosuch');
    expect(nosuch.status).toBe(404);
    expect((await nosuch.json() as Json).error.message).toBe('no partition named nosuch');
  }, 60_000);
});

describe('the API: writes through the service layer', () => {
  const { app, auth, json, stateDir, logs } = apiOnSim();

  it('applies a posted layout, then starts, stops and destroys kernels', async () => {
    const applied = await app.request('/api/v1/apply?wait=1', json({ layout: DEFAULT_LAYOUT, name: 'default.yaml' }, auth));
    expect(applied.status).toBe(200);
    const txn = await applied.json() as Json;
    expect(txn).toMatchObject({ schema: 'parker.transaction/v1', state: 'done', result: { schema: 'parker.apply/v1', outcome: 'applied' } });

    // The transaction, the journal and the applied layout name it as it was posted; the status
    // also says where the daemon keeps it (what `apply --applied` reads at the next boot).
    expect(txn.action).toBe('apply default.yaml');
    const status = await (await app.request('/api/v1/status')).json() as Json;
    expect(status.partitions.map((p: { name: string; state: string }) => `${p.name}:${p.state}`).sort()).toEqual(['batch:online', 'db:online', 'web:online']);
    expect(status.layout.file).toBe('default.yaml');
    expect(status.layout.source.startsWith(path.join(stateDir, 'uploads') + path.sep)).toBe(true);
    expect(fs.readFileSync(status.layout.source, 'utf8')).toBe(DEFAULT_LAYOUT);
    // What parker-apply.service runs at boot reads the kept copy: here nothing is left to do.
    const reapplied = await runCli('apply', '--applied', '--state-dir', stateDir, '-o', 'json');
    expect(reapplied.code, reapplied.stderr).toBe(0);
    expect(JSON.parse(reapplied.stdout)).toMatchObject({ outcome: 'no-changes' });
    // Applied again as it resolves now (here: a command line recorded otherwise, as after a
    // change of the machine), it keeps its posted name, and the lock and the journal name it so.
    const appliedFile = path.join(stateDir, 'applied.json');
    const record = JSON.parse(fs.readFileSync(appliedFile, 'utf8'));
    record.layout.cmdlines[0].text += ' changed';
    fs.writeFileSync(appliedFile, JSON.stringify(record));
    expect((await runCli('apply', '--applied', '--state-dir', stateDir)).code).toBe(0);
    const after = JSON.parse((await runCli('status', '--state-dir', stateDir, '-o', 'json')).stdout) as Json;
    expect(after.layout).toMatchObject({ file: 'default.yaml', source: status.layout.source });
    const journal = fs.readFileSync(path.join(stateDir, 'journal.jsonl'), 'utf8');
    expect(journal).toContain('"command":"apply default.yaml"');
    expect(journal).not.toContain(`"command":"apply ${status.layout.source}"`);
    // The applied layout's diagnostics, under the name it was posted with.
    const appliedReport = await (await app.request('/api/v1/validate/applied')).json() as Json;
    expect(appliedReport).toMatchObject({ schema: 'parker.validate/v1', file: 'default.yaml', errors: 0 });
    expect(appliedReport.diagnostics.find((d: { hazard?: string }) => d.hazard === 'H13')).toMatchObject({ severity: 'info', rule: 'iommu-passthrough', location: { file: 'default.yaml' }, fix: expect.any(String) });
    const db = await (await app.request('/api/v1/status/db')).json() as Json;
    expect(db).toMatchObject({ schema: 'parker.kernel-status/v1', name: 'db', inLayout: true });
    const console = await (await app.request('/api/v1/console/db?tail=5')).json() as Json;
    expect(console.lines.length).toBe(5);
    expect((await (await app.request('/api/v1/journal')).json() as Json).transactions.length).toBeGreaterThan(0);

    const stop = await (await app.request('/api/v1/kernels/db/stop?wait=1', json({}, auth))).json() as Json;
    expect(stop.result).toMatchObject({ schema: 'parker.lifecycle/v1', action: 'stop db', outcome: 'applied' });
    const again = await (await app.request('/api/v1/kernels/db/stop?wait=1', json({}, auth))).json() as Json;
    expect(again.result.outcome).toBe('not-running');
    const start = await (await app.request('/api/v1/kernels/db/start?wait=1', json({}, auth))).json() as Json;
    expect(start.result.outcome).toBe('applied');
    const one = await (await app.request('/api/v1/destroy?wait=1', json({ name: 'web' }, auth))).json() as Json;
    expect(one.result).toMatchObject({ action: 'destroy web', outcome: 'applied' });
    const all = await (await app.request('/api/v1/destroy?wait=1', json({ all: true }, auth))).json() as Json;
    expect(all.result).toMatchObject({ action: 'destroy --all', outcome: 'applied' });
    const recover = await (await app.request('/api/v1/recover?wait=1', json({}, auth))).json() as Json;
    expect(recover.state).toBe('done');
    expect((await (await app.request('/api/v1/status')).json() as Json).partitions).toEqual([]);

    // The posted layout was kept where the applied layout names it.
    expect(fs.existsSync(`${stateDir}/applied.json`)).toBe(true);
    // One structured line per request.
    const lines = logs.filter((l) => l.msg === 'request');
    expect(lines.length).toBe(13);
    expect(lines[0]).toMatchObject({ method: 'POST', path: '/api/v1/apply', status: 200 });
  }, 60_000);

  it('lists the transactions newest first, and only the newest N with ?limit=N', async () => {
    const all = (await (await app.request('/api/v1/transactions')).json() as Json).transactions as { id: string; action: string }[];
    expect(all.length).toBeGreaterThan(3);
    expect(all.at(-1)!.action).toMatch(/^apply/);
    for (const limit of [1, 3]) {
      const some = await (await app.request(`/api/v1/transactions?limit=${limit}`)).json() as Json;
      expect(some.transactions.map((t: { id: string }) => t.id)).toEqual(all.slice(0, limit).map((t) => t.id));
    }
    expect((await (await app.request('/api/v1/transactions?limit=1000')).json() as Json).transactions.length).toBe(all.length);
    for (const bad of ['0', 'abc', '-1']) {
      const res = await app.request(`/api/v1/transactions?limit=${bad}`);
      expect(res.status, bad).toBe(400);
      expect((await res.json() as Json).error).toMatchObject({ code: 'E_REQUEST', message: expect.stringMatching(/^limit: /) });
    }
  });

  it('refuses a kernel neither the machine nor its applied layout knows, at once and with or without wait, starting no transaction', async () => {
    const before = (await (await app.request('/api/v1/transactions')).json() as Json).transactions.length;
    for (const route of ['/api/v1/kernels/nosuch/start?wait=1', '/api/v1/kernels/nosuch/start', '/api/v1/kernels/nosuch/stop']) {
      const res = await app.request(route, json({}, auth));
      expect(res.status, route).toBe(404);
      expect(await res.json() as Json).toMatchObject({ schema: 'parker.error/v1', error: { code: 'E_NOT_FOUND', status: 404 } });
    }
    expect((await (await app.request('/api/v1/transactions')).json() as Json).transactions.length).toBe(before);
  });

  it('refuses to destroy a partition the machine does not have, at once, and a name that is none, starting no transaction', async () => {
    const before = (await (await app.request('/api/v1/transactions')).json() as Json).transactions.length;
    const unknown = await app.request('/api/v1/destroy', json({ name: 'nosuch' }, auth));
    expect(unknown.status).toBe(404);
    expect(await unknown.json() as Json).toMatchObject({ error: { code: 'E_NOT_FOUND', message: 'no partition named nosuch on the machine' } });
    const garbled = await app.request('/api/v1/destroy', json({ name: 'x\u001b[2J\nfake line' }, auth));
    expect(garbled.status).toBe(400);
    expect((await garbled.json() as Json).error.code).toBe('E_REQUEST');
    expect((await (await app.request('/api/v1/transactions')).json() as Json).transactions.length).toBe(before);
  });

  it('refuses a saved plan the machine no longer matches', async () => {
    // A plan saved by `parker plan --out` carries the machine's fingerprint: a made-up one is stale.
    const stale = await app.request('/api/v1/apply?wait=1', json({ plan: { schema: 'parker.saved-plan/v1', file: 'x.yaml', machine: 'simulated default server', fingerprint: '0', createdAt: '', layout: {}, plan: { steps: [] } } }, auth));
    expect(stale.status).toBe(409);
    expect((await stale.json() as Json).error.code).toBe('E_PLAN');
    expect((await (await app.request('/api/v1/status')).json() as Json).partitions).toEqual([]);
  });

  it('applies a saved plan posted as JSON: exactly its steps', async () => {
    // Saved as `parker plan default.yaml --out FILE` saves it, on the same machine.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-saved-'));
    const layoutFile = path.join(dir, 'default.yaml');
    fs.writeFileSync(layoutFile, DEFAULT_LAYOUT);
    const machine = openMachine({ machine: 'sim', stateDir });
    const saved = savePlan(path.join(dir, 'plan.json'), machine, planLayout(layoutFile, machine, interfaceFor(machine.fs), stateDir), new Date());
    machine.close?.();
    const res = await app.request('/api/v1/apply?wait=1', json({ plan: JSON.parse(fs.readFileSync(path.join(dir, 'plan.json'), 'utf8')) }, auth));
    expect(res.status).toBe(200);
    const txn = await res.json() as Json;
    expect(txn).toMatchObject({ state: 'done', result: { outcome: 'applied' } });
    expect(txn.result.result.stepsRun).toBe(saved.plan.steps.length);
    const status = await (await app.request('/api/v1/status')).json() as Json;
    expect(status.partitions.map((p: { name: string; state: string }) => `${p.name}:${p.state}`).sort()).toEqual(['batch:online', 'db:online', 'web:online']);
    // Applied once, the same saved plan is stale: the machine has changed since it was made.
    const again = await app.request('/api/v1/apply?wait=1', json({ plan: JSON.parse(fs.readFileSync(path.join(dir, 'plan.json'), 'utf8')) }, auth));
    expect(again.status).toBe(409);
  }, 60_000);

  it('exposes Prometheus metrics: the kernels the saved plan started, their pools, durations and failures', async () => {
    const text = await (await app.request('/metrics')).text();
    const value = (sample: string) => {
      const line = text.split('\n').find((l) => l.startsWith(sample + ' '));
      expect(line, sample).toBeDefined();
      return Number(line!.slice(sample.length + 1));
    };
    expect(value('parker_up')).toBe(1);
    expect(value('parker_kernels{state="online"}')).toBe(3);
    // examples/default.yaml: db 32 CPUs, 32G, 2 devices; web 48, 40G, 2; batch 64, 16G, 2.
    expect([value('parker_kernel_cpus{kernel="db"}'), value('parker_kernel_cpus{kernel="web"}'), value('parker_kernel_cpus{kernel="batch"}')]).toEqual([32, 48, 64]);
    expect([value('parker_kernel_memory_bytes{kernel="db"}'), value('parker_kernel_memory_bytes{kernel="web"}'), value('parker_kernel_memory_bytes{kernel="batch"}')]).toEqual([32, 40, 16].map((g) => g * 2 ** 30));
    expect(value('parker_kernel_devices{kernel="db"}')).toBe(2);
    expect(value('parker_kernel_online{kernel="web"}')).toBe(1);
    // Each kernel's memory came from the pool of its node (db 1, web 2, batch 3); node 0's is untouched.
    expect(value('parker_cma_pool_bytes{pool="parker0",node="0"}')).toBe(48 * 2 ** 30);
    expect([0, 1, 2, 3].map((n) => value(`parker_cma_pool_used_bytes{pool="parker${n}",node="${n}"}`))).toEqual([0, 32, 40, 16].map((g) => g * 2 ** 30));
    // One boot observed per kernel started in this daemon: 3 by the first apply, db's restart, 3 by the saved plan.
    expect(value('parker_kernel_boot_duration_seconds_count')).toBe(7);
    expect(value('parker_kernel_boot_duration_seconds_bucket{le="+Inf"}')).toBe(7);
    expect(value('parker_kernel_boot_duration_seconds_sum')).toBeGreaterThan(0);
    expect(value('parker_transaction_duration_seconds_count{op="apply"}')).toBe(4);
    expect(value('parker_failures_total{code="E_PLAN"}')).toBe(2);
    // Each family is one group: its HELP and TYPE, then its samples only (a histogram's
    // _bucket, _sum and _count among them), never another family's between them.
    let family = '';
    for (const line of text.split('\n').filter(Boolean)) {
      const type = /^# TYPE (\S+) /.exec(line);
      if (type) family = type[1]!;
      else if (!line.startsWith('#')) expect(line.replace(/[{ ].*$/, '').replace(/_(bucket|sum|count)$/, ''), line).toBe(family);
    }
  });
});

describe('the API: a long apply', () => {
  // Each step blocks the worker's thread as a host's synchronous kernel writes do.
  const { app, auth, json, transactions } = apiOnSim({ blockMsPerStep: 40 });

  it('returns at once with a transaction id, refuses a second write, streams progress, and keeps answering reads', async () => {
    const t0 = performance.now();
    const res = await app.request('/api/v1/apply', json({ layout: DEFAULT_LAYOUT }, auth));
    expect(res.status).toBe(202);
    expect(performance.now() - t0).toBeLessThan(2000);
    const { id, state } = await res.json() as Json;
    expect(state).toBe('running');

    const busy = await app.request('/api/v1/kernels/db/start', json({}, auth));
    expect(busy.status).toBe(409);
    expect((await busy.json() as Json).error.code).toBe('E_LOCKED');

    // Reads answered while the apply runs: status (which sees the daemon's transaction) and topology.
    let answeredWhileRunning = 0;
    let slowest = 0;
    while (transactions.get(id)!.state === 'running') {
      const r0 = performance.now();
      const status = await (await app.request('/api/v1/status')).json() as Json;
      const topology = await app.request('/api/v1/topology');
      slowest = Math.max(slowest, performance.now() - r0);
      if (transactions.get(id)!.state === 'running') {
        expect(status.daemon.transaction.id).toBe(id);
        expect(topology.status).toBe(200);
        expect(((await topology.json()) as Json).cpu.length).toBe(256);
        answeredWhileRunning++;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(answeredWhileRunning).toBeGreaterThanOrEqual(5);
    expect(slowest).toBeLessThan(1500);

    const done = await (await app.request(`/api/v1/transactions/${id}`)).json() as Json;
    expect(done).toMatchObject({ state: 'done', result: { outcome: 'applied' } });
    const events = (await (await app.request('/api/v1/events?format=json&types=step,transaction')).json() as Json).events;
    expect(events.filter((e: { type: string; data: { txn: string } }) => e.type === 'step' && e.data.txn === id).length).toBeGreaterThan(20);
    expect(events.at(-1)).toMatchObject({ type: 'transaction', data: { txn: id, state: 'done', outcome: 'applied' } });
  }, 60_000);
});

describe('the API: a plan to apply exactly (what the dashboard confirms is what runs)', () => {
  const { app, auth, json, stateDir } = apiOnSim();
  const plan = async (layout: string) => (await (await app.request('/api/v1/plan', json({ layout, name: 'default.yaml', save: true }, auth))).json()) as Json;

  it('saves a plan only with the token: saving writes to the state directory', async () => {
    const none = await app.request('/api/v1/plan', json({ layout: DEFAULT_LAYOUT, save: true }));
    expect(none.status).toBe(401);
    const wrong = await app.request('/api/v1/plan', json({ layout: DEFAULT_LAYOUT, save: true }, { authorization: 'Bearer nope' }));
    expect(wrong.status).toBe(403);
    expect(fs.existsSync(path.join(stateDir, 'uploads'))).toBe(false);
  });

  it('answers the plan with the plan saved as `plan --out` saves it, its layout kept with the uploads', async () => {
    const answer = await plan(DEFAULT_LAYOUT);
    expect(answer).toMatchObject({ schema: 'parker.plan-report/v1', file: 'default.yaml', saved: { schema: 'parker.saved-plan/v1', machine: 'simulated default server' } });
    expect(answer.saved.plan.steps.length).toBe(answer.plan.steps.length);
    expect(answer.saved.file.startsWith(path.join(stateDir, 'uploads') + path.sep)).toBe(true);
    expect(fs.readFileSync(answer.saved.file, 'utf8')).toBe(DEFAULT_LAYOUT);
    // A layout with errors has no plan to save, and leaves no upload behind.
    const before = fs.readdirSync(path.join(stateDir, 'uploads')).length;
    const wrong = await plan(WRONG_LAYOUT);
    expect(wrong.saved).toBeNull();
    expect(wrong.plan).toBeNull();
    expect(fs.readdirSync(path.join(stateDir, 'uploads')).length).toBe(before);
  });

  it('refuses a saved plan whose layout the daemon no longer keeps (E_PLAN), changing nothing', async () => {
    const gone = await plan(DEFAULT_LAYOUT);
    fs.rmSync(path.dirname(gone.saved.file), { recursive: true });
    const res = await app.request('/api/v1/apply?wait=1', json({ plan: gone.saved }, auth));
    expect(res.status).toBe(409);
    expect(((await res.json()) as Json).error).toMatchObject({ code: 'E_PLAN', message: expect.stringContaining('no longer kept') });
    expect(((await (await app.request('/api/v1/status')).json()) as Json).partitions).toEqual([]);
  });

  it('applies that plan while the machine is as it was, and refuses it (E_PLAN, nothing changed) once it has changed', async () => {
    const first = await plan(DEFAULT_LAYOUT);
    const second = await plan(DEFAULT_LAYOUT);
    const applied = await app.request('/api/v1/apply?wait=1', json({ plan: first.saved }, auth));
    expect(applied.status).toBe(200);
    expect(((await applied.json()) as Json).result).toMatchObject({ outcome: 'applied', result: { stepsRun: first.saved.plan.steps.length } });
    // The applied layout is the uploaded file the plan was made from.
    const status = (await (await app.request('/api/v1/status')).json()) as Json;
    expect(status.layout.file).toBe(first.saved.file);
    const stale = await app.request('/api/v1/apply?wait=1', json({ plan: second.saved }, auth));
    expect(stale.status).toBe(409);
    expect(((await stale.json()) as Json).error.code).toBe('E_PLAN');
    expect(((await (await app.request('/api/v1/status')).json()) as Json).partitions.length).toBe(3);
  }, 60_000);

  it('names a plan made elsewhere, or edited to name another path, by its layout file name alone, its text kept here', async () => {
    expect((await app.request('/api/v1/destroy?wait=1', json({ all: true }, auth))).status).toBe(200);
    const made = await plan(DEFAULT_LAYOUT);
    const forged = { ...made.saved, file: '/etc/passwd', source: '/etc/passwd' };
    const applied = await app.request('/api/v1/apply?wait=1', json({ plan: forged }, auth));
    expect(applied.status).toBe(200);
    const status = (await (await app.request('/api/v1/status')).json()) as Json;
    expect(status.layout.file).toBe('passwd');
    expect(status.layout.source.startsWith(path.join(stateDir, 'uploads') + path.sep)).toBe(true);
    expect(fs.readFileSync(status.layout.source, 'utf8')).toBe(DEFAULT_LAYOUT);
    // What `apply --applied` reads is that copy: as it was applied, nothing of /etc/passwd.
    const again = await runCli('apply', '--applied', '--dry-run', '-o', 'json', '--state-dir', stateDir);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: 'dry-run', fileSinceApplied: 'unchanged' });
    expect(again.stderr).not.toContain('/etc/passwd');
  }, 60_000);
});
