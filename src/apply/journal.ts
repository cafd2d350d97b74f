import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Step } from '../plan/step.js';

/**
 * The apply journal: append-only JSON lines, so that after a crash `parker recover` knows what
 * was done, what was in flight and what to undo. One transaction per apply (or start, stop,
 * destroy). Records that announce something (begin, intent, undo-intent) are fsync'd before
 * it runs, and end is fsync'd so a finished apply stays finished; see DURABLE.
 */
export type JournalRecord =
  | { type: 'begin'; txn: string; at: string; command: string; machine: string; interface?: string; steps: Step[] }
  | { type: 'intent'; txn: string; step: number }
  | { type: 'done'; txn: string; step: number; ms: number }
  | { type: 'failed'; txn: string; step: number; error: string }
  | { type: 'undo-intent'; txn: string; step: number }
  | { type: 'undone'; txn: string; step: number }
  | { type: 'undo-failed'; txn: string; step: number; error: string }
  | { type: 'end'; txn: string; outcome: 'applied' | 'rolled-back' | 'recovered' };

export interface Transaction {
  txn: string;
  begin: Extract<JournalRecord, { type: 'begin' }>;
  records: JournalRecord[];
  ended: boolean;
}

/**
 * A record cut short by a crash never happened (records() skips it); it is cut off before the
 * next append, which would otherwise continue it and leave a corrupt line in the middle.
 */
function dropTornTail(fd: number): void {
  const size = fs.fstatSync(fd).size;
  if (size === 0) return;
  const last = Buffer.alloc(1);
  fs.readSync(fd, last, 0, 1, size - 1);
  if (last[0] === 0x0a) return;
  const text = Buffer.alloc(size);
  fs.readSync(fd, text, 0, size, 0);
  fs.ftruncateSync(fd, text.lastIndexOf(0x0a) + 1);
}

/**
 * The records fsync'd as they are written. The others (done, failed, undone, undo-failed)
 * are not: the next fsync'd record flushes them with it, so a crash can lose only those
 * written since the last one. Recovery does not need them: a lost done or failed leaves its
 * step in flight, and recover asks the kernel's files whether it took effect (tookEffect);
 * a lost undone or undo-failed leaves its undo in flight, and recover judges that from the
 * kernel's files too.
 */
const DURABLE: ReadonlySet<JournalRecord['type']> = new Set(['begin', 'intent', 'undo-intent', 'end']);

export class Journal {
  readonly file: string;
  /** Open from the first append of a transaction to its end: one open per transaction, not per record. */
  private fd: number | null = null;

  constructor(stateDir: string) {
    this.file = path.join(stateDir, 'journal.jsonl');
  }

  append(record: JournalRecord): void {
    const fd = this.open();
    try {
      // Checked on every append, not only on opening: a fstat (and a one-byte read), and the
      // file may have been written by another writer since.
      dropTornTail(fd);
      fs.writeSync(fd, JSON.stringify(record) + '\n');
      if (DURABLE.has(record.type)) fs.fsyncSync(fd);
    } catch (e) {
      this.close();
      throw e;
    }
    if (record.type === 'end') this.close();
  }

  /** Lets the file go; the next append opens it again. */
  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    fs.closeSync(fd);
  }

  private open(): number {
    if (this.fd === null) {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      this.fd = fs.openSync(this.file, 'a+');
    }
    return this.fd;
  }

  /** Every record; a torn last line (the process died while writing it) is dropped. */
  records(): JournalRecord[] {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    const out: JournalRecord[] = [];
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line === '') continue;
      try {
        out.push(JSON.parse(line) as JournalRecord);
      } catch (e) {
        if (i >= lines.length - 2) break;
        throw new Error(`journal ${this.file} line ${i + 1} is corrupt: ${(e as Error).message}`);
      }
    }
    return out;
  }

  transactions(): Transaction[] {
    const byTxn = new Map<string, Transaction>();
    for (const record of this.records()) {
      if (record.type === 'begin') byTxn.set(record.txn, { txn: record.txn, begin: record, records: [], ended: false });
      const t = byTxn.get(record.txn);
      if (!t) continue;
      t.records.push(record);
      if (record.type === 'end') t.ended = true;
    }
    return [...byTxn.values()];
  }

  /** The transaction a crash left open, if any. */
  unfinished(): Transaction | undefined {
    return this.transactions().find((t) => !t.ended);
  }
}

/** Steps whose operation completed, in the order they ran, minus those already undone. */
export function completedSteps(t: Transaction): number[] {
  const done: number[] = [];
  const undone = new Set<number>();
  for (const r of t.records) {
    if (r.type === 'done') done.push(r.step);
    if (r.type === 'undone') undone.add(r.step);
  }
  return done.filter((s) => !undone.has(s));
}

/** The step announced but never finished: it may or may not have taken effect. */
export function inFlightStep(t: Transaction): number | null {
  const settled = new Set(t.records.filter((r) => r.type === 'done' || r.type === 'failed').map((r) => r.step));
  const intents = t.records.filter((r): r is Extract<JournalRecord, { type: 'intent' }> => r.type === 'intent');
  const last = intents.at(-1);
  return last && !settled.has(last.step) ? last.step : null;
}

/** The step whose undo was announced but never settled: a crash came while it ran. */
export function undoInFlightStep(t: Transaction): number | null {
  const settled = new Set(t.records.filter((r) => r.type === 'undone' || r.type === 'undo-failed').map((r) => r.step));
  const last = t.records.filter((r) => r.type === 'undo-intent').at(-1);
  return last && !settled.has(last.step) ? last.step : null;
}
