import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.js';
import { apiOnSim, DEFAULT_LAYOUT, ROOT, type Json } from './helpers.js';

// GET /api/v1/status answers from the daemon's last read of the machine (a worker thread reads
// it every poll and after each write's steps). Whoever sees a write end must never read the
// machine as it was before: the transaction ends only after a read begun after its last step.

const names = (status: Json) => status.partitions.map((p: { name: string; state: string }) => `${p.name}:${p.state}`).sort();

describe('the status the daemon keeps', () => {
  // A poll so long it never comes during the test: only the writes' own reads refresh the status.
  const { app, auth, json, stateDir } = apiOnSim({ pollMs: 600_000 });
  const status = async () => (await (await app.request('/api/v1/status')).json()) as Json;

  it('is never stale after a write answered with ?wait=1', async () => {
    const empty = await status();
    expect(names(empty)).toEqual([]);
    const available = (s: Json, pool: string) => s.daemon.cma.find((c: { name: string }) => c.name === pool).availablePages as number;
    for (let round = 0; round < 2; round++) {
      const applied = await app.request('/api/v1/apply?wait=1', json({ layout: DEFAULT_LAYOUT }, auth));
      expect(applied.status).toBe(200);
      const after = await status();
      expect(names(after)).toEqual(['batch:online', 'db:online', 'web:online']);
      // The CMA pools' use is read with the status: db's 32G came from node 1's pool.
      expect(available(empty, 'parker1') - available(after, 'parker1')).toBe((32 * 2 ** 30) / 4096);
      expect(after.layout).not.toBeNull();
      expect(after.daemon.transaction).toBeNull();
      const destroyed = await app.request('/api/v1/destroy?wait=1', json({ all: true }, auth));
      expect(destroyed.status).toBe(200);
      expect(names(await status())).toEqual([]);
    }
  }, 90_000);

  it('is never stale once a write seen through its transaction is done', async () => {
    const res = await app.request('/api/v1/apply', json({ layout: DEFAULT_LAYOUT }, auth));
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as Json;
    let state = 'running';
    for (let i = 0; i < 600 && state === 'running'; i++) {
      // A status read while the write runs shows it running; once the transaction says done, the status has its kernels.
      const seen = await status();
      state = ((await (await app.request(`/api/v1/transactions/${id}`)).json()) as Json).state;
      if (state === 'running') expect(seen.daemon.transaction?.id).toBe(id);
      else break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(state).toBe('done');
    expect(names(await status())).toEqual(['batch:online', 'db:online', 'web:online']);
  }, 90_000);

  it('does not read the machine per request: a change made outside the daemon shows at its next read', async () => {
    // Let the reads the last write's steps asked for be done.
    await new Promise((r) => setTimeout(r, 500));
    const before = await status();
    expect(before.partitions.length).toBe(3);
    // Another parker (the CLI) destroys every partition; the daemon has not read the machine since.
    const cli = await runCli('destroy', '--all', '--machine', 'sim', '--state-dir', stateDir, '-q');
    expect(cli.code).toBe(0);
    const cached = await status();
    expect(cached.daemon.readAt).toBe(before.daemon.readAt);
    expect(cached.partitions.length).toBe(3);
  }, 60_000);
});

describe('the status the daemon keeps, with a short poll', () => {
  const { app, stateDir } = apiOnSim({ pollMs: 100 });

  it('follows changes made outside the daemon within a poll or so', async () => {
    const first = (await (await app.request('/api/v1/status')).json()) as Json;
    expect(first.partitions).toEqual([]);
    const cli = await runCli('apply', path.join(ROOT, 'examples/default.yaml'), '--machine', 'sim', '--state-dir', stateDir, '-q');
    expect(cli.code).toBe(0);
    let seen: Json = first;
    for (let i = 0; i < 100 && names(seen).join() !== 'batch:online,db:online,web:online'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      seen = (await (await app.request('/api/v1/status')).json()) as Json;
    }
    expect(names(seen)).toEqual(['batch:online', 'db:online', 'web:online']);
    expect(Date.parse(seen.daemon.readAt)).toBeGreaterThan(Date.parse(first.daemon.readAt));
    expect(seen.daemon.cma.length).toBeGreaterThan(0);
  }, 60_000);
});
