import { describe, expect, test } from 'vitest';
import type { JournalRecord } from '../src/apply/journal.js';
import type { Step } from '../src/plan/step.js';
import { journalProblems } from './fixtures/journal-consistency.js';

// The checker the property tests trust must itself catch what it claims to.
const step = (id: number): Step => ({ id, action: 'create', kernel: 'a', intent: { kind: 'create-partition', partition: 'a' }, why: '', undo: null, summary: '' });
const begin: JournalRecord = { type: 'begin', txn: 't', at: '', command: 'apply', machine: 'm', steps: [step(1), step(2), step(3)] };
const r = {
  intent: (s: number): JournalRecord => ({ type: 'intent', txn: 't', step: s }),
  done: (s: number): JournalRecord => ({ type: 'done', txn: 't', step: s, ms: 0 }),
  failed: (s: number): JournalRecord => ({ type: 'failed', txn: 't', step: s, error: 'EIO' }),
  undoIntent: (s: number): JournalRecord => ({ type: 'undo-intent', txn: 't', step: s }),
  undone: (s: number): JournalRecord => ({ type: 'undone', txn: 't', step: s }),
  end: { type: 'end', txn: 't', outcome: 'rolled-back' } as JournalRecord,
};

describe('journalProblems', () => {
  test('a clean rollback and a recovery of the step in flight are consistent', () => {
    expect(journalProblems([begin, r.intent(1), r.done(1), r.intent(2), r.failed(2), r.undoIntent(1), r.undone(1), r.end], { closed: true })).toEqual([]);
    expect(journalProblems([begin, r.intent(1), r.done(1), r.intent(2), r.undoIntent(2), r.undone(2), r.undoIntent(1), r.undone(1), r.end], { closed: true })).toEqual([]);
  });

  test('flags each kind of inconsistency', () => {
    expect(journalProblems([r.intent(1)], { closed: false })).toEqual(['t: starts with intent, not begin', 't: has 0 begin records', 't: intent for unknown step 1']);
    expect(journalProblems([begin, r.intent(1)], { closed: true })).toEqual(['t: never ended']);
    expect(journalProblems([begin, r.end, r.intent(1)], { closed: true })).toEqual(['t: has records after its end']);
    expect(journalProblems([begin, r.done(1), r.end], { closed: true })).toEqual(['t: done for step 1 without its intent']);
    expect(journalProblems([begin, r.intent(2), r.done(2), r.intent(1), r.done(1), r.end], { closed: true })).toEqual(['t: step 1 announced after step 2']);
    expect(journalProblems([begin, r.intent(1), r.done(1), r.done(1), r.end], { closed: true })).toEqual(['t: step 1 settled twice']);
    expect(journalProblems([begin, r.intent(1), r.failed(1), r.undoIntent(1), r.end], { closed: true })).toEqual(['t: undo of step 1, which did not complete']);
    expect(journalProblems([begin, r.intent(1), r.done(1), r.undone(1), r.end], { closed: true })).toEqual(['t: undone for step 1 without its undo-intent']);
    expect(journalProblems([begin, r.intent(9), r.end], { closed: true })).toEqual(['t: intent for unknown step 9']);
  });
});
