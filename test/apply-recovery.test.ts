import * as fs from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { executePlan, ProcessKilled } from '../src/apply/execute.js';
import { Journal } from '../src/apply/journal.js';
import { recover } from '../src/apply/recover.js';
import { openSimMachine } from '../src/machines/sim/sim-machine.js';
import { faultyMachine } from './fixtures/faulty-machine.js';
import { observedState, orphans } from './fixtures/sim-observed-state.js';
import { journalProblems } from './fixtures/journal-consistency.js';
import { createSmallSim, freshSmallSimPlanner, layoutArb, mutationsOf, planOn } from './fixtures/small-sim.js';

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

        await expect(executePlan(faulty, plan!.steps, new Journal(stateDir), { command: 'apply random' })).rejects.toBeInstanceOf(ProcessKilled);
        expect(faulty.fired).toBe(true);
        const atDeath = observedState(machine);
        machine.close();

        // A new process: the machine as its state directory tells, a new journal object on the same file.
        const reopened = openSimMachine(stateDir);
        expect(observedState(reopened)).toEqual(atDeath);
        const journal = new Journal(stateDir);
        expect(journal.unfinished()?.begin.command).toBe('apply random');
        const result = await recover(reopened, journal);

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
        const applied = await executePlan(reopened, again!.steps, journal, { command: 'apply random' });
        expect(applied.failure).toBeNull();
        expect(orphans(reopened)).toEqual([]);
        reopened.close();
      }),
      { numRuns: 300 },
    );
  });

  test('recover with nothing open changes nothing', async () => {
    const { machine, stateDir } = createSmallSim();
    stateDirs.push(stateDir);
    const before = observedState(machine);
    const result = await recover(machine, new Journal(stateDir));
    expect(result).toEqual({ txn: null, command: null, undone: 0, inFlightTookEffect: null, orphansFixed: [], errors: [] });
    expect(observedState(machine)).toEqual(before);
    machine.close();
  });
});
