import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Step } from '../plan/step.js';
import { completedSteps, inFlightStep, Journal, undoInFlightStep, type JournalRecord } from './journal.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-journal-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const step = (id: number): Step => ({ id, action: 'create', kernel: 'a', intent: { kind: 'create-partition', partition: `a${id}` }, why: 'test', undo: { kind: 'remove-partition', partition: `a${id}` }, summary: `mkdir sys/fs/parker/a${id}` });
const begin = (txn: string, ids: number[]): JournalRecord => ({ type: 'begin', txn, at: '2026-11-27T12:00:00.000Z', command: `apply ${txn}`, machine: 'test', steps: ids.map(step) });

function journalWith(records: JournalRecord[]): Journal {
  const journal = new Journal(dir);
  for (const r of records) journal.append(r);
  return journal;
}

describe('Journal', () => {
  test('appends one JSON line per record and reads them back in order', () => {
    const records: JournalRecord[] = [begin('t1', [1]), { type: 'intent', txn: 't1', step: 1 }, { type: 'done', txn: 't1', step: 1, ms: 3 }, { type: 'end', txn: 't1', outcome: 'applied' }];
    const journal = journalWith(records);
    expect(fs.readFileSync(journal.file, 'utf8').split('\n')).toHaveLength(5);
    expect(new Journal(dir).records()).toEqual([{ ...records[0], format: 'parker.journal/v3' }, ...records.slice(1)]);
  });

  test('a missing journal has no records and nothing unfinished', () => {
    const journal = new Journal(path.join(dir, 'nowhere'));
    expect(journal.records()).toEqual([]);
    expect(journal.unfinished()).toBeUndefined();
  });

  test('a torn last line (killed while writing it) is dropped', () => {
    const journal = journalWith([begin('t1', [1]), { type: 'intent', txn: 't1', step: 1 }]);
    fs.appendFileSync(journal.file, '{"type":"done","txn":"t1","st');
    expect(journal.records().map((r) => r.type)).toEqual(['begin', 'intent']);
    expect(inFlightStep(journal.unfinished()!)).toBe(1);
  });

  test('the next append cuts a torn last line off instead of continuing it', () => {
    const journal = journalWith([begin('t1', [1]), { type: 'intent', txn: 't1', step: 1 }]);
    fs.appendFileSync(journal.file, '{"type":"done","txn":"t1","st');
    journal.append({ type: 'end', txn: 't1', outcome: 'recovered' });
    expect(journal.records().map((r) => r.type)).toEqual(['begin', 'intent', 'end']);
    expect(fs.readFileSync(journal.file, 'utf8').endsWith('"outcome":"recovered"}\n')).toBe(true);
  });

  test('a corrupt line in the middle is an error naming the file and line', () => {
    const journal = journalWith([begin('t1', [1])]);
    fs.appendFileSync(journal.file, 'garbage\n');
    journal.append({ type: 'end', txn: 't1', outcome: 'applied' });
    expect(() => journal.records()).toThrow(`journal ${journal.file} line 2 is damaged`);
  });

  test('transactions group records; the unfinished one is the one without an end', () => {
    const journal = journalWith([begin('t1', [1]), { type: 'end', txn: 't1', outcome: 'applied' }, begin('t2', [1, 2]), { type: 'intent', txn: 't2', step: 1 }]);
    expect(journal.transactions().map((t) => [t.txn, t.ended, t.records.length])).toEqual([
      ['t1', true, 2],
      ['t2', false, 2],
    ]);
    expect(journal.unfinished()?.txn).toBe('t2');
  });
});

describe('reading an unfinished transaction', () => {
  const txn = (records: JournalRecord[]) => journalWith([begin('t', [1, 2, 3]), ...records]).unfinished()!;

  test('completed steps are those done and not yet undone, in order', () => {
    const t = txn([
      { type: 'intent', txn: 't', step: 1 },
      { type: 'done', txn: 't', step: 1, ms: 1 },
      { type: 'intent', txn: 't', step: 2 },
      { type: 'done', txn: 't', step: 2, ms: 1 },
      { type: 'intent', txn: 't', step: 3 },
      { type: 'failed', txn: 't', step: 3, error: 'EIO' },
      { type: 'undo-intent', txn: 't', step: 2 },
      { type: 'undone', txn: 't', step: 2 },
      { type: 'undo-intent', txn: 't', step: 1 },
    ]);
    expect(completedSteps(t)).toEqual([1]);
    expect(inFlightStep(t)).toBeNull();
    expect(undoInFlightStep(t)).toBe(1);
  });

  test('the step in flight is the last announced and not settled', () => {
    const t = txn([
      { type: 'intent', txn: 't', step: 1 },
      { type: 'done', txn: 't', step: 1, ms: 1 },
      { type: 'intent', txn: 't', step: 2 },
    ]);
    expect(completedSteps(t)).toEqual([1]);
    expect(inFlightStep(t)).toBe(2);
    expect(undoInFlightStep(t)).toBeNull();
  });

  test('an undo that failed is settled, not in flight', () => {
    const t = txn([
      { type: 'intent', txn: 't', step: 1 },
      { type: 'done', txn: 't', step: 1, ms: 1 },
      { type: 'intent', txn: 't', step: 2 },
      { type: 'failed', txn: 't', step: 2, error: 'EIO' },
      { type: 'undo-intent', txn: 't', step: 1 },
      { type: 'undo-failed', txn: 't', step: 1, error: 'EBUSY' },
    ]);
    expect(undoInFlightStep(t)).toBeNull();
    expect(completedSteps(t)).toEqual([1]);
  });
});

describe('the journal under damage', () => {
  test('each line carries its checksum: a changed character in a middle line is refused with E_STATE_CORRUPT naming the line, never skipped', () => {
    const journal = journalWith([begin('t1', [1, 2]), { type: 'intent', txn: 't1', step: 1 }, { type: 'done', txn: 't1', step: 1, ms: 3 }]);
    const lines = fs.readFileSync(journal.file, 'utf8').split('\n');
    lines[1] = lines[1]!.replace('"step":1', '"step":2');
    fs.writeFileSync(journal.file, lines.join('\n'));
    expect(() => journal.records()).toThrow(`journal ${journal.file} line 2 is damaged: its checksum does not match`);
    try {
      journal.records();
    } catch (e) {
      expect((e as { code?: string }).code).toBe('E_STATE_CORRUPT');
    }
  });

  test('a transaction that ends compacts the journal to itself', () => {
    const journal = journalWith([begin('t1', [1]), { type: 'end', txn: 't1', outcome: 'applied' }, begin('t2', [1]), { type: 'intent', txn: 't2', step: 1 }, { type: 'done', txn: 't2', step: 1, ms: 1 }]);
    expect(journal.transactions().map((t) => t.txn)).toEqual(['t1', 't2']);
    journal.append({ type: 'end', txn: 't2', outcome: 'applied' });
    expect(new Journal(dir).transactions().map((t) => [t.txn, t.records.length])).toEqual([['t2', 4]]);
    expect(fs.readdirSync(dir)).toEqual(['journal.jsonl']);
  });

  test('plain JSON lines written before framing are still read', () => {
    fs.writeFileSync(path.join(dir, 'journal.jsonl'), [JSON.stringify(begin('t1', [1])), JSON.stringify({ type: 'intent', txn: 't1', step: 1 }), ''].join('\n'));
    expect(inFlightStep(new Journal(dir).unfinished()!)).toBe(1);
  });

  test('an announce record is read back; one naming no steps or a step the transaction lacks is refused, naming the line', () => {
    const fine = journalWith([begin('t1', [1, 2]), { type: 'announce', txn: 't1', steps: [1, 2] }, { type: 'intent', txn: 't1', step: 1 }]);
    expect(fine.records().map((r) => r.type)).toEqual(['begin', 'announce', 'intent']);
    expect(inFlightStep(fine.unfinished()!)).toBe(1);
    for (const [bad, words] of [
      [{ type: 'announce', txn: 't1', steps: [1, 9] }, 'line 2 is damaged: its announce record names step 9'],
      [{ type: 'announce', txn: 't1', steps: [] }, 'line 2 is damaged: its announce record names no steps'],
      [{ type: 'announce', txn: 't1', steps: ['1'] }, 'line 2 is damaged: its announce record names no steps'],
    ] as const) {
      fs.rmSync(path.join(dir, 'journal.jsonl'), { force: true });
      const journal = journalWith([begin('t1', [1, 2]), bad as unknown as JournalRecord]);
      expect(() => journal.records()).toThrow(expect.objectContaining({ code: 'E_STATE_CORRUPT', message: expect.stringContaining(words) }));
    }
  });

  test('a journal that is a FIFO or a directory is refused at once', () => {
    fs.mkdirSync(path.join(dir, 'journal.jsonl'));
    expect(() => new Journal(dir).records()).toThrow(/is damaged: it is a directory/);
  });
});
