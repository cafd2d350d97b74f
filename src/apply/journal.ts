import * as fs from 'node:fs';
import * as path from 'node:path';
import { ParkerError } from '../units/parker-error.js';
import { frameRecord, printable, unframeRecord } from '../units/framed-lines.js';
import type { Step } from '../plan/step.js';
import { READ_LIMITS, notRegularWords, readBoundedFile } from '../machines/bounded-read.js';
import { openOwnFile, replaceOwnFile } from '../machines/own-files.js';
import { asIdentity, type ProcessIdentity } from './process-identity.js';
import { stepsProblem } from './intent-check.js';

export const JOURNAL_FORMAT = 'parker.journal/v3';

/**
 * The apply journal: append-only records, one per line, each framed with its checksum
 * (src/units/framed-lines.ts), so that after a crash `parker recover` knows what was done,
 * what was in flight and what to undo. One transaction per apply (or start, stop, destroy).
 * Records that announce something (begin, announce, undo-intent) are fsync'd before it runs,
 * and end is fsync'd so a finished apply stays finished; see DURABLE. When a transaction
 * ends the journal is compacted to that transaction alone.
 */
export type JournalRecord =
  | {
      type: 'begin';
      txn: string;
      at: string;
      command: string;
      machine: string;
      interface?: string;
      /** JOURNAL_FORMAT; absent in journals written before it. */
      format?: string;
      /** The process that runs the transaction: recovery proves it dead before it touches anything. */
      owner?: ProcessIdentity;
      steps: Step[];
    }
  /** The steps of one kernel (a run of steps with the same kernel), before the first of them runs. */
  | { type: 'announce'; txn: string; steps: number[] }
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
 * The records fsync'd as they are written: begin, each kernel's steps announced together
 * before the first of them runs (one fsync for its 7 or so steps: one per step was half a
 * second of a 255-kernel apply on disk), undo-intent, end. The others (intent, done, failed,
 * undone, undo-failed) are not: the next fsync'd record flushes them with it. A parker process
 * that dies loses nothing it wrote, so `recover` knows the step in flight (its intent without
 * an end) and asks the kernel's files whether it took effect (tookEffect); an undo in flight
 * likewise. Only a crash of the whole computer loses records, those since the last fsync:
 * steps of the last announced kernel may then have run unrecorded. On a Parker machine such a
 * crash restarts every kernel, so nothing they did remains. The simulator's op log is not
 * fsync'd either, and after such a crash the two files may keep different amounts of their
 * tails: the simulated machine can then hold what the first steps of that kernel made (a
 * partition with CPUs), which `parker status` shows and the next apply plans from.
 * Recovery's sweep gives back any CPU or device of the transaction that nobody holds.
 */
const DURABLE: ReadonlySet<JournalRecord['type']> = new Set(['begin', 'announce', 'undo-intent', 'end']);

const STEP_TYPES = new Set(['intent', 'done', 'failed', 'undo-intent', 'undone', 'undo-failed']);
const OUTCOMES = new Set(['applied', 'rolled-back', 'recovered']);

/** Why a parsed line is not a journal record; null when it is one. */
function recordProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `it holds ${value === null ? 'null' : Array.isArray(value) ? 'a list' : `a ${typeof value}`}, not a record`;
  const r = value as Record<string, unknown>;
  if (typeof r.type !== 'string') return 'it has no type';
  if (typeof r.txn !== 'string' || r.txn === '') return 'it names no transaction';
  if (r.type === 'begin') {
    if (typeof r.command !== 'string' || typeof r.machine !== 'string' || typeof r.at !== 'string') return 'its begin record lacks the command, machine or time';
    if (r.interface !== undefined && typeof r.interface !== 'string') return 'its interface is not a name';
    if (r.owner !== undefined && asIdentity(r.owner) === null) return 'its owner is not a process';
    const problem = stepsProblem(r.steps);
    return problem ? `its begin record: ${problem}` : null;
  }
  if (STEP_TYPES.has(r.type)) {
    if (typeof r.step !== 'number' || !Number.isSafeInteger(r.step)) return `its ${r.type} record names no step`;
    if ((r.type === 'failed' || r.type === 'undo-failed') && typeof r.error !== 'string') return `its ${r.type} record has no error`;
    if (r.type === 'done' && typeof r.ms !== 'number') return 'its done record has no duration';
    return null;
  }
  if (r.type === 'announce') {
    if (!Array.isArray(r.steps) || r.steps.length === 0 || !r.steps.every((n) => typeof n === 'number' && Number.isSafeInteger(n))) return 'its announce record names no steps';
    return null;
  }
  if (r.type === 'end') return OUTCOMES.has(r.outcome as string) ? null : 'its end record has no outcome';
  return `its type ${JSON.stringify(printable(String(r.type), 40))} is not a journal record`;
}

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
      const full: JournalRecord = record.type === 'begin' ? { ...record, format: record.format ?? JOURNAL_FORMAT } : record;
      fs.writeSync(fd, frameRecord(full) + '\n');
      if (DURABLE.has(record.type)) fs.fsyncSync(fd);
    } catch (e) {
      this.close();
      throw e;
    }
    if (record.type === 'end') {
      this.close();
      this.compact(record.txn);
    }
  }

  /**
   * Keeps only the transaction that just ended: written aside and renamed over the journal, so
   * a crash leaves either journal whole. The journal stays as small as one transaction.
   */
  private compact(txn: string): void {
    let records: JournalRecord[];
    try {
      records = this.records().filter((r) => r.txn === txn);
    } catch {
      return; // the next reader names the damage
    }
    const tmp = `${this.file}.compact.${process.pid}`;
    try {
      replaceOwnFile(this.file, tmp, records.map((r) => frameRecord(r) + '\n').join(''), { durable: true });
    } catch {
      fs.rmSync(tmp, { force: true });
    }
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
      this.checkRegular();
      try {
        this.fd = openOwnFile(this.file, fs.constants.O_RDWR | fs.constants.O_APPEND | fs.constants.O_CREAT);
      } catch (e) {
        if (e instanceof ParkerError) throw this.damaged(e.message);
        throw e;
      }
    }
    return this.fd;
  }

  private damaged(what: string, line?: number): ParkerError {
    return new ParkerError(
      'E_STATE_CORRUPT',
      `the journal ${this.file}${line ? ` line ${line}` : ''} is damaged: ${what}`,
      `nothing was changed. Recovery cannot trust it: see the machine with parker status, then move the journal aside (mv ${this.file} ${this.file}.damaged); parker starts a new one, and parker apply or destroy bring the machine to a known layout`,
    );
  }

  private checkRegular(): void {
    let stat: fs.Stats;
    try {
      // The file itself: a symbolic link in its place is refused, never read or written through.
      stat = fs.lstatSync(this.file);
    } catch {
      return;
    }
    const kind = notRegularWords(stat);
    if (kind) throw this.damaged(`it is ${kind}, not a file`);
    if (stat.size > READ_LIMITS.stateFile) throw this.damaged(`it is ${stat.size} bytes, over the limit of ${READ_LIMITS.stateFile}`);
  }

  /**
   * Every record. A torn last line (the process died while writing it, so it has no newline)
   * is dropped; any other line that is damaged, or a record that is malformed, is refused with
   * E_STATE_CORRUPT naming the line: recovery never acts on a journal it cannot trust.
   */
  records(): JournalRecord[] {
    this.checkRegular();
    let text: string;
    try {
      // Checked again through its descriptor: a FIFO put in its place meanwhile is not waited on.
      text = readBoundedFile(this.file, READ_LIMITS.stateFile, 'journal').toString('utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      if (e instanceof ParkerError) throw this.damaged(e.message);
      throw this.damaged(`it cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    const out: JournalRecord[] = [];
    const lines = text.split('\n');
    const torn = lines.at(-1) !== '';
    const begun = new Map<string, Set<number>>();
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line === '') continue;
      if (torn && i === lines.length - 1) break;
      const read = unframeRecord(line);
      if (!read.ok) throw this.damaged(read.why, i + 1);
      const problem = recordProblem(read.value);
      if (problem) throw this.damaged(problem, i + 1);
      const record = read.value as JournalRecord;
      if (record.type === 'begin') {
        if (begun.has(record.txn)) throw this.damaged(`transaction ${printable(record.txn, 60)} begins twice`, i + 1);
        begun.set(record.txn, new Set(record.steps.map((s) => s.id)));
      } else {
        const steps = begun.get(record.txn);
        if (!steps) throw this.damaged(`its ${record.type} record belongs to transaction ${printable(record.txn, 60)}, which never began`, i + 1);
        if ('step' in record && !steps.has(record.step)) throw this.damaged(`its ${record.type} record names step ${record.step}, which transaction ${printable(record.txn, 60)} does not have`, i + 1);
        const unknown = record.type === 'announce' ? record.steps.find((step) => !steps.has(step)) : undefined;
        if (unknown !== undefined) throw this.damaged(`its announce record names step ${unknown}, which transaction ${printable(record.txn, 60)} does not have`, i + 1);
      }
      out.push(record);
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
