import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyLayout } from '../src/service/apply.js';
import { destroyPartitions } from '../src/service/lifecycle.js';
import { createSim, injectSim, resetSim } from '../src/service/sim.js';
import { openMachine } from '../src/service/open-machine.js';
import { statusOf } from '../src/service/status.js';
import type { ServiceContext } from '../src/service/service-context.js';
import { ParkerError } from '../src/units/parker-error.js';

function contextFor(stateDir: string, confirm: ServiceContext['confirm'] = async () => true): ServiceContext {
  return { open: (o) => openMachine({ machine: 'sim', stateDir }, o), stateDir, confirm, now: () => new Date('2026-12-06T12:00:00Z') };
}

describe('two parkers changing one machine', () => {
  it('a second change while the first awaits confirmation is refused, and the first applies what it showed', async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-lock-'));
    createSim(stateDir, { source: { kind: 'default' }, now: new Date() });
    let second: unknown = null;
    // The first apply's confirmation runs the second one: with the lock held from before the
    // machine was read, the second cannot change the machine under the first's plan.
    const first = await applyLayout(
      contextFor(stateDir, async () => {
        second = await destroyPartitions(contextFor(stateDir), { all: true }).catch((e: unknown) => e);
        return true;
      }),
      'examples/default.yaml',
    );
    expect(second).toBeInstanceOf(ParkerError);
    expect((second as ParkerError).code).toBe('E_LOCKED');
    expect(first.outcome).toBe('applied');
    const status = statusOf(openMachine({ machine: 'sim', stateDir }), stateDir);
    expect(status.partitions.map((p) => [p.name, p.online])).toEqual(first.placement!.kernels.map((k) => [k.name, true]).sort());
  });

  it('the simulator\'s controls (sim create, reset, inject) wait for no apply: refused while one holds the lock, the apply unharmed', async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-lock-'));
    createSim(stateDir, { source: { kind: 'default' }, now: new Date() });
    const refused: unknown[] = [];
    const attempt = (run: () => unknown) => {
      try {
        run();
        refused.push(null);
      } catch (e) {
        refused.push(e);
      }
    };
    const applied = await applyLayout(
      contextFor(stateDir, async () => {
        attempt(() => resetSim(stateDir, new Date()));
        attempt(() => createSim(stateDir, { source: { kind: 'default' }, now: new Date() }));
        attempt(() => injectSim(stateDir, 'db', 'split-lock'));
        return true;
      }),
      'examples/default.yaml',
    );
    expect(refused.map((e) => (e instanceof ParkerError ? e.code : e))).toEqual(['E_LOCKED', 'E_LOCKED', 'E_LOCKED']);
    expect(applied.outcome).toBe('applied');
    const status = statusOf(openMachine({ machine: 'sim', stateDir }), stateDir);
    expect(status.partitions.map((p) => [p.name, p.online])).toEqual(applied.placement!.kernels.map((k) => [k.name, true]).sort());
    // Once the apply has ended, they run.
    expect(injectSim(stateDir, 'db', 'split-lock').length).toBeGreaterThan(0);
    expect(resetSim(stateDir, new Date()).partitions).toEqual([]);
  });

  it('a declined apply changes nothing and releases the lock', async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-lock-'));
    createSim(stateDir, { source: { kind: 'default' }, now: new Date() });
    const declined = await applyLayout(contextFor(stateDir, async () => false), 'examples/default.yaml');
    expect(declined.outcome).toBe('declined');
    expect(statusOf(openMachine({ machine: 'sim', stateDir }), stateDir).partitions).toEqual([]);
    expect((await applyLayout(contextFor(stateDir), 'examples/default.yaml')).outcome).toBe('applied');
  });
});
