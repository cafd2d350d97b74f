import * as fs from 'node:fs';
import { parkerInterface } from '../src/interfaces/parker/index.js';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { executePlan } from '../src/apply/execute.js';
import { Journal } from '../src/apply/journal.js';
import { faultyMachine } from './fixtures/faulty-machine.js';
import { observedState, orphans } from './fixtures/sim-observed-state.js';
import { journalProblems } from './fixtures/journal-consistency.js';
import { createSmallSim, freshSmallSimPlanner, layoutArb, mutationsOf, planOn } from './fixtures/small-sim.js';

const stateDirs: string[] = [];
function smallSim() {
  const sim = createSmallSim();
  stateDirs.push(sim.stateDir);
  return sim;
}
afterAll(() => {
  for (const dir of stateDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('a refused write rolls the whole apply back', () => {
  test('for random valid layouts and a fault at any mutation, the machine is observed exactly as before', async () => {
    const fresh = freshSmallSimPlanner();
    await fc.assert(
      fc.asyncProperty(layoutArb, fc.nat(), async (spec, pick) => {
        const plan = fresh.plan(spec);
        fc.pre(plan !== null);
        const { machine, stateDir } = smallSim();
        const before = fresh.before;
        const total = mutationsOf(plan!.steps);
        const at = 1 + (pick % total);
        const faulty = faultyMachine(machine, { kind: 'refuse', at });
        const journal = new Journal(stateDir);

        const result = await executePlan(faulty, parkerInterface, plan!.steps, journal, { command: 'apply random' });

        expect(faulty.fired).toBe(true);
        expect(result.outcome).toBe('rolled-back');
        expect(result.failure?.error).toContain('EIO (injected fault)');
        expect(result.failure?.undoErrors).toEqual([]);
        expect(observedState(machine)).toEqual(before);
        expect(orphans(machine)).toEqual([]);
        const records = journal.records();
        expect(journalProblems(records, { closed: true })).toEqual([]);
        // Exactly the completed steps that have an undo were undone.
        const done = records.filter((r) => r.type === 'done').map((r) => r.step);
        const undone = records.filter((r) => r.type === 'undone').map((r) => r.step);
        expect(undone).toEqual(done.filter((id) => plan!.steps[id - 1]!.undo !== null).reverse());
        expect(records.at(-1)).toEqual({ type: 'end', txn: result.txn, outcome: 'rolled-back' });
        machine.close();
      }),
      { numRuns: 25 },
    );
  });
});

describe('a refused write while changing an applied layout into another', () => {
  test('rolls back all it can and says what it could not: deleted and replaced kernels stay stopped or gone', async () => {
    const fresh = freshSmallSimPlanner();
    await fc.assert(
      fc.asyncProperty(layoutArb, layoutArb, fc.nat(), async (first, second, pick) => {
        const firstPlan = fresh.plan(first);
        fc.pre(firstPlan !== null);
        const { machine, stateDir } = smallSim();
        const journal = new Journal(stateDir);
        expect((await executePlan(machine, parkerInterface, firstPlan!.steps, journal, { command: 'apply first' })).outcome).toBe('applied');
        const plan = planOn(machine, second);
        fc.pre(plan !== null && plan.steps.length > 0);
        const before = observedState(machine);
        const at = 1 + (pick % mutationsOf(plan!.steps));

        const result = await executePlan(faultyMachine(machine, { kind: 'refuse', at }), parkerInterface, plan!.steps, journal, { command: 'apply second' });

        expect(result.outcome).toBe('rolled-back');
        const failure = result.failure!;
        expect(failure.undoErrors).toEqual([]);
        const ran = plan!.steps.filter((s) => s.id < failure.step.id);
        expect(failure.notUndone).toEqual(ran.filter((s) => s.undo === null && (s.intent.kind === 'stop' || s.intent.kind === 'remove-partition')).map((s) => s.summary));
        const after = observedState(machine);
        if (failure.notUndone.length === 0) expect(after).toEqual(before);
        // Kernels the second layout leaves alone are untouched; the ones it creates are gone again.
        const untouched = plan!.kernels.filter((k) => k.action === 'unchanged').map((k) => k.kernel);
        const created = plan!.kernels.filter((k) => k.action === 'create').map((k) => k.kernel);
        expect(after.partitions.filter((p) => untouched.includes(p.name))).toEqual(before.partitions.filter((p) => untouched.includes(p.name)));
        expect(after.partitions.filter((p) => created.includes(p.name))).toEqual([]);
        expect(orphans(machine)).toEqual([]);
        expect(journalProblems(journal.records(), { closed: true })).toEqual([]);
        machine.close();
      }),
      { numRuns: 12 },
    );
  });
});

describe('applying the same layout twice', () => {
  test('the second plan has no steps and the first apply left nothing undone', async () => {
    const fresh = freshSmallSimPlanner();
    await fc.assert(
      fc.asyncProperty(layoutArb, async (spec) => {
        const first = fresh.plan(spec);
        fc.pre(first !== null);
        const { machine, stateDir } = smallSim();
        const journal = new Journal(path.join(stateDir, 'j'));
        const result = await executePlan(machine, parkerInterface, first!.steps, journal, { command: 'apply random' });
        expect(result.failure).toBeNull();
        expect(result.outcome).toBe('applied');
        expect(orphans(machine)).toEqual([]);

        const second = planOn(machine, spec);
        expect(second).not.toBeNull();
        expect(second!.steps).toEqual([]);
        expect(second!.kernels.map((k) => k.action)).toEqual(spec.kernels.map(() => 'unchanged'));
        machine.close();
      }),
      { numRuns: 25 },
    );
  });
});
