import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { ParkerError } from '../units/parker-error.js';
import type { MachineChoice } from '../service/machine-choice.js';
import type { EventHub } from './event-hub.js';
import type { Metrics } from './metrics.js';
import { workerUrl } from './worker-url.js';
import { describeWrite, type PlainEvent, type WorkerInput, type WorkerMessage, type WriteOp } from './write-ops.js';

export type TransactionState = 'running' | 'done' | 'failed';

/** A write the daemon accepted: what it runs, how far it got, how it ended. */
export interface TransactionView {
  schema: 'parker.transaction/v1';
  id: string;
  action: string;
  state: TransactionState;
  startedAt: string;
  finishedAt: string | null;
  /** The service function's typed result (parker.apply/v1, parker.lifecycle/v1, ...) once done. */
  result: unknown;
  error: { code: string; message: string; hint: string | null } | null;
  /** Step progress: the last step event. */
  progress: PlainEvent | null;
}

/**
 * Runs writes one at a time, each in its own worker thread, through the same service functions
 * and state-directory lock as the CLI (so a CLI apply and a daemon apply never interleave: the
 * later one gets E_LOCKED).
 */
export class Transactions {
  private readonly all = new Map<string, TransactionView>();
  private running: { view: TransactionView; done: Promise<TransactionView> } | null = null;

  constructor(
    private readonly options: {
      machine: MachineChoice;
      stateDir: string;
      hub: EventHub;
      metrics: Metrics;
      blockMsPerStep?: number;
      keep?: number;
      /**
       * Awaited when a write's worker has reported and before the transaction ends (its state,
       * its event, ?wait=1's answer): the daemon reads the machine again there, so that whoever
       * sees a write end reads the machine as the write left it.
       */
      beforeEnd?: () => Promise<unknown>;
    },
  ) {}

  get(id: string): TransactionView | undefined {
    return this.all.get(id);
  }

  list(): TransactionView[] {
    return [...this.all.values()].reverse();
  }

  current(): TransactionView | null {
    return this.running?.view ?? null;
  }

  /** Settles when no write runs: at once when none does, else when the running one has ended. */
  async idle(): Promise<void> {
    while (this.running) await this.running.done;
  }

  /** Starts a write; refuses at once (E_LOCKED) while another of this daemon's runs. */
  start(write: WriteOp): { view: TransactionView; done: Promise<TransactionView> } {
    if (this.running) {
      const v = this.running.view;
      throw new ParkerError('E_LOCKED', `the daemon is running "${v.action}" (transaction ${v.id}, since ${v.startedAt})`, `wait for it: GET /api/v1/transactions/${v.id}, or follow /api/v1/events`);
    }
    const { hub, metrics } = this.options;
    const view: TransactionView = { schema: 'parker.transaction/v1', id: randomUUID(), action: describeWrite(write), state: 'running', startedAt: new Date().toISOString(), finishedAt: null, result: null, error: null, progress: null };
    this.all.set(view.id, view);
    while (this.all.size > (this.options.keep ?? 100)) this.all.delete(this.all.keys().next().value!);
    const input: WorkerInput = { txn: view.id, write, machine: this.options.machine, stateDir: this.options.stateDir, ...(this.options.blockMsPerStep ? { blockMsPerStep: this.options.blockMsPerStep } : {}) };
    const t0 = performance.now();
    const bootStarts = new Map<string, number>();
    hub.publish('transaction', { txn: view.id, action: view.action, state: 'running' });
    const done = new Promise<TransactionView>((resolve) => {
      const worker = new Worker(workerUrl('write-worker'), { workerData: input });
      let settled = false;
      const finish = (state: TransactionState, result: unknown, error: TransactionView['error']) => {
        if (settled) return;
        settled = true;
        const seconds = (performance.now() - t0) / 1000;
        const beforeEnd = this.options.beforeEnd?.() ?? Promise.resolve();
        void beforeEnd.catch(() => undefined).then(() => end(state, result, error, seconds));
      };
      const end = (state: TransactionState, result: unknown, error: TransactionView['error'], seconds: number) => {
        view.state = state;
        view.result = result;
        view.error = error;
        view.finishedAt = new Date().toISOString();
        this.running = null;
        metrics.transactionFinished(write.op, seconds, error?.code ?? failureCodeOf(result));
        hub.publish('transaction', { txn: view.id, action: view.action, state, outcome: (result as { outcome?: string } | null)?.outcome ?? null, error, seconds });
        resolve(view);
      };
      worker.on('message', (message: WorkerMessage) => {
        if (message.kind === 'event') {
          const event = message.event;
          if (event.type.startsWith('step-') || event.type.startsWith('undo-')) view.progress = event;
          trackBoot(event, bootStarts, (kernel, s) => metrics.bootObserved(kernel, s));
          hub.publish('step', { txn: view.id, ...event });
        } else if (message.kind === 'result') finish('done', message.result, null);
        else finish('failed', null, { code: message.error.code, message: message.error.message, hint: message.error.hint });
      });
      worker.on('error', (e) => finish('failed', null, { code: 'E_INTERNAL', message: String(e?.stack ?? e), hint: 'report it with the daemon log' }));
      worker.on('exit', (code) => finish('failed', null, { code: 'E_INTERNAL', message: `the write worker exited (${code}) without a result`, hint: 'see the daemon log' }));
    });
    this.running = { view, done };
    return this.running;
  }
}

/** The code a finished write failed with, when its result says it rolled back or its layout had errors. */
function failureCodeOf(result: unknown): string | null {
  const r = result as { outcome?: string; result?: { failure?: { error?: string } } } | null;
  if (r?.outcome === 'invalid') return 'E_INVALID';
  if (r?.outcome !== 'rolled-back') return null;
  return /^(E_[A-Z_]+)/.exec(r.result?.failure?.error ?? '')?.[1] ?? 'E_APPLY';
}

/** A kernel's boot: from its start step starting to its wait-online (or wait-ready) step done, wall clock. */
function trackBoot(event: PlainEvent, starts: Map<string, number>, observe: (kernel: string, seconds: number) => void): void {
  const step = event.step as { kernel?: string; kind?: string } | undefined;
  if (!step?.kernel) return;
  if (event.type === 'step-start' && step.kind === 'start') starts.set(step.kernel, performance.now());
  if (event.type === 'step-done' && (step.kind === 'wait-online' || step.kind === 'wait-ready') && starts.has(step.kernel)) {
    observe(step.kernel, (performance.now() - starts.get(step.kernel)!) / 1000);
    starts.delete(step.kernel);
  }
}
