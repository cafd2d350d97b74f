/**
 * The worker thread that runs one write (apply, start, stop, destroy, recover) through the
 * service layer. A host's kernel file interface is synchronous and a start blocks for seconds:
 * here it blocks this thread, never the daemon's, which keeps answering reads.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThisThread } from './thread-priority.js';
import { ParkerError } from '../units/parker-error.js';
import { applyLayout } from '../service/apply.js';
import { destroyPartitions, recoverMachine, startKernel, stopKernel } from '../service/lifecycle.js';
import { openMachine } from '../service/open-machine.js';
import type { ServiceContext } from '../service/service-context.js';
import { plainEvent, type WorkerInput, type WorkerMessage } from './write-ops.js';

const input = workerData as WorkerInput;
// Below the daemon's main thread: under load, its requests come first.
lowerThisThread(10);
const post = (message: WorkerMessage) => parentPort!.postMessage(message);

function blockFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const ctx: ServiceContext = {
  open: (options) => openMachine(input.machine, options),
  stateDir: input.stateDir,
  // The daemon asked for the bearer token before it started this worker: that is the confirmation.
  confirm: async () => true,
  onEvent: (event) => {
    if (event.type === 'step-start' && input.blockMsPerStep) blockFor(input.blockMsPerStep);
    post({ kind: 'event', event: plainEvent(event) });
  },
  now: () => new Date(),
};

async function run(): Promise<unknown> {
  const w = input.write;
  switch (w.op) {
    case 'apply':
      return applyLayout(ctx, w.file, { dryRun: w.dryRun ?? false, ...(w.name ? { name: w.name } : {}) });
    case 'start':
      return startKernel(ctx, w.name);
    case 'stop':
      return stopKernel(ctx, w.name);
    case 'destroy':
      return destroyPartitions(ctx, w.all ? { all: true } : { name: w.name! });
    case 'recover':
      return recoverMachine(ctx);
  }
}

// No top-level await: the bundle is CommonJS (scripts/bundle-cli.mjs).
async function runAndReport(): Promise<void> {
  try {
    const result = await run();
    post({ kind: 'result', result: JSON.parse(JSON.stringify(result)) as unknown });
  } catch (e) {
    if (e instanceof ParkerError) post({ kind: 'error', error: { code: e.code, message: e.message, hint: e.hint ?? null } });
    else {
      const err = e as Error & { code?: unknown };
      const isKernel = err?.name === 'KernelError';
      post({ kind: 'error', error: { code: isKernel ? 'E_KERNEL' : 'E_INTERNAL', message: String(err?.message ?? e), hint: null, ...(err?.stack ? { stack: err.stack } : {}) } });
    }
  }
}

void runAndReport();
