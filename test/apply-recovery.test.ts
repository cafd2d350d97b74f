import * as fs from 'node:fs';
import { parkerInterface } from '../src/interfaces/parker/index.js';
import { KERNEL_INTERFACES } from '../src/service/kernel-interfaces.js';
import { afterAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { executePlan } from '../src/apply/execute.js';
import { ProcessKilled } from './fixtures/faulty-machine.js';
import { Journal } from '../src/apply/journal.js';
import { recover } from '../src/apply/recover.js';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { createSimMachine, openSimMachine } from '../src/machines/sim/sim-machine.js';
import { readPartitions } from '../src/interfaces/parker/read-partitions.js';
import { runCli } from './run-cli.js';
import { buildLayout } from './fixtures/layout-builders.js';
import { faultyMachine } from './fixtures/faulty-machine.js';
import { observedState, orphans } from './fixtures/sim-observed-state.js';
import { journalProblems } from './fixtures/journal-consistency.js';
import { createSmallSim, freshSmallSimPlanner, layoutArb, mutationsOf, planOn, SMALL_SIM, SMALL_SIM_CMDLINE } from './fixtures/small-sim.js';

const stateDirs: string[] = [];
afterAll(() => {
  for (const dir of stateDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('recovery after the process was killed mid-apply', () => {
  test('for random valid layouts killed before or after any mutation, recover restores the machine exactly', async () => {
    const fresh = freshSmallSimPlanner();
    await fc.assert(
      fc.asyncProperty(layoutArb, fc.nat(), fc.constantFrom('kill-before' as const, 'kill-after' as const), async (spec, pick, kind) => {
        const plan = fresh.plan(spec);
        fc.pre(plan !== null);
        const { machine, stateDir } = createSmallSim();
        stateDirs.push(stateDir);
        const at = 1 + (pick % mutationsOf(plan!.steps));
        const faulty = faultyMachine(machine, { kind, at });

        await expect(executePlan(faulty, parkerInterface, plan!.steps, new Journal(stateDir), { command: 'apply random' })).rejects.toBeInstanceOf(ProcessKilled);
        expect(faulty.fired).toBe(true);
        const atDeath = observedState(machine);
        machine.close();

        // A new process: the machine as its state directory tells, a new journal object on the same file.
        const reopened = openSimMachine(stateDir);
        expect(observedState(reopened)).toEqual(atDeath);
        const journal = new Journal(stateDir);
        expect(journal.unfinished()?.begin.command).toBe('apply random');
        const result = await recover(reopened, KERNEL_INTERFACES, journal);

        expect(result.errors).toEqual([]);
        expect(result.command).toBe('apply random');
        expect(observedState(reopened)).toEqual(fresh.before);
        expect(orphans(reopened)).toEqual([]);
        expect(journal.unfinished()).toBeUndefined();
        expect(journalProblems(journal.records(), { closed: true })).toEqual([]);
        expect(journal.records().at(-1)).toEqual({ type: 'end', txn: result.txn, outcome: 'recovered' });

        // Nothing is left in the way of the next apply.
        const again = planOn(reopened, spec);
        expect(again?.steps).toEqual(plan!.steps);
        const applied = await executePlan(reopened, parkerInterface, again!.steps, journal, { command: 'apply random' });
        expect(applied.failure).toBeNull();
        expect(orphans(reopened)).toEqual([]);
        reopened.close();
      }),
      { numRuns: 25 },
    );
  }, 120_000); // 25 random layouts, each killed at every mutation: seconds alone, more on a busy machine

  test('killed while rolling back a refused write, recover finishes the rollback exactly', async () => {
    const fresh = freshSmallSimPlanner();
    await fc.assert(
      fc.asyncProperty(layoutArb, fc.nat(), fc.nat(), fc.constantFrom('kill-before' as const, 'kill-after' as const), async (spec, pickRefused, pickKill, kind) => {
        const plan = fresh.plan(spec);
        fc.pre(plan !== null);
        const mutating = plan!.steps.filter((s) => mutationsOf([s]) > 0);
        const refusedAt = 1 + (pickRefused % mutating.length);
        const failing = mutating[refusedAt - 1]!;
        // Every undo but a wait changes the machine: those are where the kill can strike.
        const undoMutations = plan!.steps.filter((s) => s.id < failing.id && s.undo !== null && mutationsOf([{ ...s, intent: s.undo }]) > 0).length;
        fc.pre(undoMutations > 0);
        const killAt = refusedAt + 1 + (pickKill % undoMutations);
        const { machine, stateDir } = createSmallSim();
        stateDirs.push(stateDir);
        const faulty = faultyMachine(machine, [
          { kind: 'refuse', at: refusedAt },
          { kind, at: killAt },
        ]);

        await expect(executePlan(faulty, parkerInterface, plan!.steps, new Journal(stateDir), { command: 'apply random' })).rejects.toBeInstanceOf(ProcessKilled);
        expect(faulty.mutations).toBe(killAt);
        machine.close();

        const reopened = openSimMachine(stateDir);
        const journal = new Journal(stateDir);
        const result = await recover(reopened, KERNEL_INTERFACES, journal);
        expect(result.errors).toEqual([]);
        expect(observedState(reopened)).toEqual(fresh.before);
        expect(orphans(reopened)).toEqual([]);
        expect(journalProblems(journal.records(), { closed: true })).toEqual([]);
        reopened.close();
      }),
      { numRuns: 15 },
    );
  });

  test('a recovery killed in turn is finished by the next one', async () => {
    const fresh = freshSmallSimPlanner();
    await fc.assert(
      fc.asyncProperty(layoutArb, fc.nat(), fc.constantFrom('kill-before' as const, 'kill-after' as const), fc.integer({ min: 1, max: 8 }), async (spec, pick, kind, recoveryKillAt) => {
        const plan = fresh.plan(spec);
        fc.pre(plan !== null);
        const { machine, stateDir } = createSmallSim();
        stateDirs.push(stateDir);
        const at = 1 + (pick % mutationsOf(plan!.steps));
        await expect(executePlan(faultyMachine(machine, { kind, at }), parkerInterface, plan!.steps, new Journal(stateDir), { command: 'apply random' })).rejects.toBeInstanceOf(ProcessKilled);
        machine.close();

        const second = openSimMachine(stateDir);
        const dying = faultyMachine(second, { kind, at: recoveryKillAt });
        // The first recovery may finish before the kill strikes: either way the next one cleans up.
        await recover(dying, KERNEL_INTERFACES, new Journal(stateDir)).catch((e: unknown) => {
          if (!(e instanceof ProcessKilled)) throw e;
        });
        second.close();

        const third = openSimMachine(stateDir);
        const journal = new Journal(stateDir);
        const result = await recover(third, KERNEL_INTERFACES, journal);
        expect(result.errors).toEqual([]);
        expect(observedState(third)).toEqual(fresh.before);
        expect(orphans(third)).toEqual([]);
        expect(journalProblems(journal.records(), { closed: true })).toEqual([]);
        third.close();
      }),
      { numRuns: 15 },
    );
  });

  // Killed after a's start took effect (the 6th of 11 changes), or after the very last change, when the
  // machine already matches the layout but the transaction is still open.
  test.each([
    ['a\'s start', 6],
    ['the last change', 11],
  ])('killed after %s: the next apply through the CLI recovers first, then plans and applies', async (_when, killAt) => {
    // The CLI's own state directory holds the small machine; an apply of it is killed mid-way.
    const stateDir = process.env.PARKER_STATE_DIR!;
    fs.rmSync(path.join(stateDir, 'journal.jsonl'), { force: true });
    const machine = createSimMachine(stateDir, { source: { kind: 'synthetic', description: SMALL_SIM }, cmdline: SMALL_SIM_CMDLINE, now: new Date(0) });
    const spec = buildLayout({ kernels: [{ name: 'a', cpus: { count: 4, placement: 'nodes', nodes: [1] }, memory: '2G', devices: ['0000:80:01.0'] }, { name: 'b', cpus: { count: 2, placement: 'nodes', nodes: [0] }, memory: '1G' }] });
    const withImage = { ...spec, kernels: spec.kernels.map((k) => ({ ...k, image: '/boot/vmlinuz-parker', stop: { command: ['true'], timeout: '10s' } })) };
    const plan = planOn(machine, withImage)!;
    expect(mutationsOf(plan.steps)).toBe(11);
    const faulty = faultyMachine(machine, { kind: 'kill-after', at: killAt });
    await expect(executePlan(faulty, parkerInterface, plan.steps, new Journal(stateDir), { command: 'apply killed.yaml' })).rejects.toBeInstanceOf(ProcessKilled);
    machine.close();
    const file = path.join(stateDir, 'layout.yaml');
    fs.writeFileSync(file, stringify(withImage));

    const r = await runCli('apply', file);

    expect(r.code).toBe(0);
    expect(r.stdout).toContain('recovered the unfinished "apply killed.yaml"');
    expect(r.stdout).toContain('the step in flight at the crash had taken effect and was undone');
    expect(r.stdout).toContain(`done: ${plan.steps.length} steps`);
    const after = openSimMachine(stateDir);
    expect(readPartitions(after.fs).map((p) => [p.name, p.online])).toEqual([
      ['a', true],
      ['b', true],
    ]);
    expect(orphans(after)).toEqual([]);
    after.close();
    const journal = new Journal(stateDir);
    expect(journal.unfinished()).toBeUndefined();
    expect(journalProblems(journal.records(), { closed: true })).toEqual([]);
  });

  describe('after the simulated machine was made again under an unfinished apply', () => {
    async function killedMidApply() {
      const { machine, stateDir } = createSmallSim();
      stateDirs.push(stateDir);
      const spec = buildLayout({ kernels: [{ name: 'a', cpus: { count: 4, placement: 'nodes', nodes: [1] }, memory: '2G', devices: ['0000:80:01.0'] }] });
      const plan = planOn(machine, { ...spec, kernels: spec.kernels.map((k) => ({ ...k, image: '/boot/vmlinuz-parker', stop: { command: ['true'], timeout: '10s' } })) })!;
      // Killed after the start took effect: every kind of undo is pending.
      await expect(executePlan(faultyMachine(machine, { kind: 'kill-after', at: 6 }), parkerInterface, plan.steps, new Journal(stateDir), { command: 'apply a' })).rejects.toBeInstanceOf(ProcessKilled);
      machine.close();
      return stateDir;
    }

    test('the same machine, reset: recovery finds every undo already in effect and only closes the journal', async () => {
      const stateDir = await killedMidApply();
      const reset = createSimMachine(stateDir, { source: { kind: 'synthetic', description: SMALL_SIM }, cmdline: SMALL_SIM_CMDLINE, now: new Date(0) });
      const before = observedState(reset);
      const journal = new Journal(stateDir);
      const result = await recover(reset, KERNEL_INTERFACES, journal);
      expect([result.undone, result.inFlightTookEffect, result.errors]).toEqual([0, false, []]);
      expect(observedState(reset)).toEqual(before);
      expect(journal.unfinished()).toBeUndefined();
      expect(journalProblems(journal.records(), { closed: true })).toEqual([]);
      reset.close();
    });

    test('another machine: recovery refuses to touch it and names both', async () => {
      const stateDir = await killedMidApply();
      const other = createSimMachine(stateDir, { source: { kind: 'default' }, now: new Date(0) });
      await expect(recover(other, KERNEL_INTERFACES, new Journal(stateDir))).rejects.toThrow(`the journal's unfinished "apply a" (`);
      await expect(recover(other, KERNEL_INTERFACES, new Journal(stateDir))).rejects.toThrow(`ran on simulated synthetic "${SMALL_SIM}", not simulated default server`);
      expect(new Journal(stateDir).unfinished()?.begin.command).toBe('apply a');
      other.close();
    });
  });

  test('recover with nothing open changes nothing', async () => {
    const { machine, stateDir } = createSmallSim();
    stateDirs.push(stateDir);
    const before = observedState(machine);
    const result = await recover(machine, KERNEL_INTERFACES, new Journal(stateDir));
    expect(result).toEqual({ schema: 'parker.recovery/v1', txn: null, command: null, undone: 0, inFlightTookEffect: null, orphansFixed: [], errors: [] });
    expect(observedState(machine)).toEqual(before);
    machine.close();
  });
});
