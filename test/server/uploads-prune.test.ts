import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pruneUploads, UPLOAD_KEEP_MS } from '../../src/server/api.js';

// Every apply and every plan with `save` writes a posted layout to STATE/uploads/ID/; a daemon
// that runs for months removes the old ones, never the applied layout's.
describe('pruneUploads', () => {
  function stateWith(dirs: Record<string, number>, applied?: string): string {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-uploads-'));
    for (const [name, ageMs] of Object.entries(dirs)) {
      const dir = path.join(state, 'uploads', name);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'layout.yaml'), 'kind: Layout\n');
      const when = new Date(Date.now() - ageMs);
      fs.utimesSync(dir, when, when);
    }
    if (applied) {
      const layout = { spec: { kernels: [] }, placement: { kernels: [] }, cmdlines: [] };
      fs.writeFileSync(path.join(state, 'applied.json'), JSON.stringify({ format: 'parker.applied/v1', file: path.join(state, 'uploads', applied, 'layout.yaml'), machine: 'm', appliedAt: '', layout }));
    }
    return state;
  }
  const left = (state: string) => fs.readdirSync(path.join(state, 'uploads')).sort();

  it('removes uploads older than a day, keeps the recent ones and the applied layout\'s, however old', () => {
    const state = stateWith({ old: UPLOAD_KEEP_MS + 60_000, applied: 30 * UPLOAD_KEEP_MS, fresh: 60_000 }, 'applied');
    pruneUploads(state);
    expect(left(state)).toEqual(['applied', 'fresh']);
  });

  it('with no applied layout (or a damaged one) still removes only the old ones, and copes with no uploads at all', () => {
    const state = stateWith({ old: UPLOAD_KEEP_MS + 60_000, fresh: 0 });
    fs.writeFileSync(path.join(state, 'applied.json'), '{ damaged');
    pruneUploads(state);
    expect(left(state)).toEqual(['fresh']);
    expect(() => pruneUploads(fs.mkdtempSync(path.join(os.tmpdir(), 'parker-uploads-')))).not.toThrow();
  });
});
