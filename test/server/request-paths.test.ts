import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { wireDaemon } from '../../src/server/daemon.js';
import { createSim } from '../../src/service/sim.js';

// The dashboard's files: served from its directory only, whatever the request's path spells.

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-web-files-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('the dashboard files', () => {
  const web = path.join(scratch, 'dist');
  fs.mkdirSync(path.join(web, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>index</title>');
  fs.writeFileSync(path.join(web, 'assets', 'app.js'), 'console.log(1)');
  // A sibling whose name starts with the dashboard directory's, and a file above it.
  fs.mkdirSync(path.join(scratch, 'dist-secret'));
  fs.writeFileSync(path.join(scratch, 'dist-secret', 'secret.txt'), 'secret');
  fs.writeFileSync(path.join(scratch, 'above.txt'), 'above');
  const stateDir = path.join(scratch, 'state');
  createSim(stateDir, { source: { kind: 'default' }, now: new Date('2026-12-07T12:00:00Z') });
  const { app } = wireDaemon({ machine: { machine: 'sim', stateDir }, stateDir, version: '0.0.0-test', webDir: web, log: () => {} });

  it('serves its files, and index.html for any other page', async () => {
    const asset = await app.request('/assets/app.js');
    expect(asset.status).toBe(200);
    expect(await asset.text()).toBe('console.log(1)');
    expect(asset.headers.get('content-type')).toContain('javascript');
    expect(await (await app.request('/machine/cpus')).text()).toContain('<title>index</title>');
  });

  it('never serves a file outside its directory, however the path is spelled', async () => {
    for (const url of ['/../dist-secret/secret.txt', '/%2e%2e/dist-secret/secret.txt', '/%2E%2E%2Fdist-secret%2Fsecret.txt', '/..%2fabove.txt', '/%2e%2e/above.txt', '/assets/%2e%2e/%2e%2e/above.txt']) {
      const r = await app.request(url);
      const body = await r.text();
      expect(body, url).not.toBe('secret');
      expect(body, url).not.toBe('above');
    }
  });

  it('answers a path that does not decode with the index, not an error', async () => {
    const r = await app.request('/%E0%A4%A');
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('<title>index</title>');
  });
});

describe('names in routes', () => {
  const stateDir = path.join(scratch, 'state-names');
  createSim(stateDir, { source: { kind: 'default' }, now: new Date('2026-12-07T12:00:00Z') });
  const { app } = wireDaemon({ machine: { machine: 'sim', stateDir }, stateDir, version: '0.0.0-test', webDir: null, log: () => {} });

  // (On the simulator no name becomes a path; test/state-file-hostility.test.ts checks the host's records.)
  it('a console or kernel name that is a path answers 404 E_NOT_FOUND', async () => {
    for (const url of ['/api/v1/console/..%2F..%2F..%2Ftmp%2Fevil', '/api/v1/console/..%2F', '/api/v1/status/..%2Fx', '/api/v1/console/a%00b']) {
      const r = await app.request(url);
      expect(r.status, url).toBe(404);
      expect(((await r.json()) as { error: { code: string } }).error.code, url).toBe('E_NOT_FOUND');
    }
  });
});

describe('posted layouts that are only read', () => {
  it('are read in the state directory, and their errors do not show where', async () => {
    const stateDir = path.join(scratch, 'state-read');
    createSim(stateDir, { source: { kind: 'default' }, now: new Date('2026-12-07T12:00:00Z') });
    const { app } = wireDaemon({ machine: { machine: 'sim', stateDir }, stateDir, version: '0.0.0-test', webDir: null, log: () => {} });
    const layout = fs.readFileSync('examples/default.yaml', 'utf8').replace(/^(kernels:\n {2}- name: \S+\n)/m, '$1    config: "no-such.config"\n');
    const r = await app.request('/api/v1/validate', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ layout, name: 'mine.yaml' }) });
    const body = (await r.json()) as { error: { code: string; message: string } };
    expect(r.status).toBe(422);
    expect(body.error.code).toBe('E_SPEC_READ');
    expect(body.error.message).toContain('no-such.config');
    expect(body.error.message).not.toContain(stateDir);
    expect(body.error.message).not.toContain(os.tmpdir() + '/parker-serve');
    // Nothing is left behind.
    expect(fs.readdirSync(path.join(stateDir, 'scratch'))).toEqual([]);
  });
});

describe('the Host a request names, on a loopback TCP address', () => {
  const stateDir = path.join(scratch, 'state-hosts');
  createSim(stateDir, { source: { kind: 'default' }, now: new Date('2026-12-07T12:00:00Z') });
  const wire = (listen?: { kind: 'tcp'; host: string; port: number }) => wireDaemon({ machine: { machine: 'sim', stateDir }, stateDir, version: '0.0.0-test', webDir: null, log: () => {}, ...(listen ? { listen } : {}) }).app;
  const get = (app: ReturnType<typeof wire>, host: string) => app.request('/api/v1/', { headers: { host } });

  it('must be the loopback (DNS rebinding: a page whose name resolves to 127.0.0.1 reads nothing)', async () => {
    for (const listen of [{ kind: 'tcp' as const, host: '127.0.0.1', port: 8080 }, { kind: 'tcp' as const, host: '::1', port: 8080 }]) {
      const app = wire(listen);
      for (const host of ['127.0.0.1:8080', 'localhost:8080', 'localhost', '[::1]:8080', 'dash.localhost:8080']) expect((await get(app, host)).status, host).toBe(200);
      for (const host of ['evil.example', 'evil.example:8080', '127.0.0.1.evil.example', 'localhost.evil.example:8080']) {
        const res = await get(app, host);
        expect(res.status, host).toBe(403);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('E_FORBIDDEN');
      }
    }
  });

  it('is not checked on a unix socket or an address given with --force (its users name it as they reach it)', async () => {
    expect((await get(wire(), 'evil.example')).status).toBe(200);
    expect((await get(wire({ kind: 'tcp', host: '10.0.0.5', port: 8080 }), 'parker.lab:8080')).status).toBe(200);
  });
});
