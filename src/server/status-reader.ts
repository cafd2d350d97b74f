import { Worker } from 'node:worker_threads';
import type { ErrorCode } from '../units/error-codes.js';
import { ParkerError } from '../units/parker-error.js';
import type { MachineChoice } from '../service/machine-choice.js';
import type { StatusReport } from '../service/status.js';
import type { CmaArea } from '../topology/model.js';
import type { EventHub, HubEventType } from './event-hub.js';
import { workerUrl } from './worker-url.js';

export interface ReaderInput {
  machine: MachineChoice;
  stateDir: string;
  pollMs: number;
}
export type ReadRequest = { kind: 'read'; seq: number };
export type ReaderMessage =
  | ({ kind: 'read' } & MachineRead)
  | { kind: 'event'; type: HubEventType; data: Record<string, unknown> }
  | { kind: 'log'; line: Record<string, unknown> };

/** One read of the machine: the status document as JSON text, the CMA pools, or why it failed. */
export interface MachineRead {
  /** Increases with every read the daemon asked for; a read answers every request up to it. */
  seq: number;
  /** When the read ended. */
  at: string;
  ms: number;
  json: string | null;
  cma: CmaArea[];
  error: { code: string; message: string; hint: string | null } | null;
}

/** A read that did not happen: what status answers with instead. */
function failedRead(seq: number, message: string, hint: string): MachineRead {
  return { seq, at: new Date().toISOString(), ms: 0, json: null, cma: [], error: { code: 'E_INTERNAL', message, hint } };
}

/** The status document of a read, or its error thrown as the API reports it. */
export function statusJsonOf(read: MachineRead): string {
  if (read.error || read.json === null) throw new ParkerError((read.error?.code ?? 'E_INTERNAL') as ErrorCode, read.error?.message ?? 'the machine could not be read', read.error?.hint ?? undefined);
  return read.json;
}

export function statusOfRead(read: MachineRead): StatusReport {
  return JSON.parse(statusJsonOf(read)) as StatusReport;
}

/**
 * The machine as the daemon last read it, kept up to date by a worker thread (read-worker.ts):
 * once every `pollMs`, soon after each step of a write (`nudge`), and on demand (`fresh`). A
 * status request answers from the last read at once; a write's transaction ends only after a
 * read begun after its last step (Transactions awaits `fresh`), so no client that saw a write
 * end can then read the machine as it was before.
 */
export class StatusReader {
  private worker: Worker | null = null;
  private last: MachineRead | null = null;
  private asked = 0;
  private waiters: { seq: number; resolve: (read: MachineRead) => void }[] = [];
  private nudgeTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private unsubscribe: (() => void) | null = null;
  private restarts: number[] = [];

  constructor(
    private readonly options: {
      machine: MachineChoice;
      stateDir: string;
      hub: EventHub;
      pollMs: number;
      log: (line: Record<string, unknown>) => void;
      /** Reads asked for by step events start at least this far apart. */
      nudgeGapMs?: number;
    },
  ) {}

  start(): void {
    this.stopping = false;
    this.spawn();
    // A step changed the machine: read it again soon (but not after every one of a burst).
    this.unsubscribe ??= this.options.hub.subscribe((e) => {
      if (e.type === 'step' && typeof e.data.type === 'string' && /^(step|undo)-(done|failed)$/.test(e.data.type)) this.nudge();
    });
  }

  private spawn(): void {
    const input: ReaderInput = { machine: this.options.machine, stateDir: this.options.stateDir, pollMs: this.options.pollMs };
    const worker = new Worker(workerUrl('read-worker'), { workerData: input });
    worker.unref();
    worker.on('message', (message: ReaderMessage) => {
      if (message.kind === 'event') this.options.hub.publish(message.type, message.data);
      else if (message.kind === 'log') this.options.log(message.line);
      else {
        const { kind: _kind, ...read } = message;
        this.received(read);
      }
    });
    worker.on('error', (e) => this.options.log({ level: 'error', msg: 'status reader failed', error: String(e?.stack ?? e) }));
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = null;
      if (this.stopping) return;
      this.options.log({ level: 'error', msg: 'status reader exited; starting it again', code });
      const now = Date.now();
      this.restarts = [...this.restarts.filter((t) => now - t < 60_000), now];
      if (this.restarts.length > 5) {
        this.received(failedRead(this.asked, 'the daemon cannot read the machine: its reader keeps failing', 'see the daemon log'));
        return;
      }
      this.spawn();
      this.ask(this.asked);
    });
    this.worker = worker;
  }

  private received(read: MachineRead): void {
    this.last = read;
    const ready = this.waiters.filter((w) => w.seq <= read.seq);
    this.waiters = this.waiters.filter((w) => w.seq > read.seq);
    for (const w of ready) w.resolve(read);
  }

  private ask(seq: number): void {
    this.worker?.postMessage({ kind: 'read', seq } satisfies ReadRequest);
  }

  /** A read begun after this call; after `timeoutMs`, the last read there is (or an error). */
  fresh(timeoutMs = 30_000): Promise<MachineRead> {
    // Stopped, or given up on: nothing will read again.
    if (!this.worker) return Promise.resolve(this.last ?? failedRead(0, 'the daemon does not read the machine (stopped)', 'see the daemon log'));
    const seq = ++this.asked;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        resolve(this.last ?? failedRead(0, `the machine could not be read in ${timeoutMs} ms`, 'see the daemon log'));
      }, timeoutMs);
      timer.unref();
      const done = (read: MachineRead) => {
        clearTimeout(timer);
        resolve(read);
      };
      this.waiters.push({ seq, resolve: done });
      this.ask(seq);
    });
  }

  /** The last read, or the first one when there is none yet. */
  async current(): Promise<MachineRead> {
    return this.last ?? this.fresh();
  }

  /** Asks for a read soon, at most one per `nudgeGapMs`. */
  nudge(): void {
    if (this.nudgeTimer) return;
    // At least twice what the last read took: a large machine is not read over and over.
    this.nudgeTimer = setTimeout(() => {
      this.nudgeTimer = null;
      this.ask(++this.asked);
    }, Math.max(this.options.nudgeGapMs ?? 100, 2 * (this.last?.ms ?? 0)));
    this.nudgeTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.nudgeTimer) clearTimeout(this.nudgeTimer);
    this.nudgeTimer = null;
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }
}
