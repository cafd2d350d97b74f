/**
 * The worker thread that reads the machine for the daemon: once every poll, and whenever the
 * daemon asks (a write's step or end). One read opens the machine once for the event watch
 * (partitions, consoles, machine events) and for the status document, so the daemon's own
 * thread never spends the tens of milliseconds an open takes (the simulator rebuilds its
 * hardware tree at every open) and keeps answering requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThisThread } from './thread-priority.js';
import { ParkerError } from '../units/parker-error.js';
import type { Machine } from '../machines/machine.js';
import { discoverCma } from '../topology/discover-cma.js';
import { KernelFiles } from '../topology/kernel-files.js';
import { openMachine } from '../service/open-machine.js';
import { statusOf } from '../service/status.js';
import { EventHub } from './event-hub.js';
import { MachineWatch } from './machine-watch.js';
import type { ReadRequest, ReaderInput, ReaderMessage } from './status-reader.js';

const input = workerData as ReaderInput;
// Below the daemon's main thread: under load, its requests come first.
lowerThisThread(10);
const post = (message: ReaderMessage) => parentPort!.postMessage(message);
const log = (line: Record<string, unknown>) => post({ kind: 'log', line });

// The watch publishes here; each event crosses to the daemon's hub.
const hub = new EventHub(16);
hub.subscribe((e) => post({ kind: 'event', type: e.type, data: e.data }));
const watch = new MachineWatch(hub);

let wanted = 0;
let scheduled = false;
let poll: NodeJS.Timeout | null = null;

function read(seq: number): void {
  const t0 = performance.now();
  try {
    readOnce(seq, t0);
  } finally {
    // The next look a poll after this one ended, and never sooner than four times what this one
    // took: reading a large machine (thousands of CPUs) then takes at most a fifth of a CPU.
    if (poll) clearTimeout(poll);
    poll = setTimeout(schedule, Math.max(input.pollMs, 4 * (performance.now() - t0)));
  }
}

function readOnce(seq: number, t0: number): void {
  let machine: Machine | null = null;
  try {
    machine = openMachine(input.machine);
    try {
      watch.lookAt(machine);
    } catch (e) {
      log({ level: 'warn', msg: 'machine watch: cannot read the machine', error: String((e as Error)?.message ?? e) });
    }
    const status = statusOf(machine, input.stateDir);
    const cma = machine.crashed?.() ? [] : discoverCma(new KernelFiles(machine.fs));
    post({ kind: 'read', seq, at: new Date().toISOString(), ms: performance.now() - t0, json: JSON.stringify(status), cma, error: null });
  } catch (e) {
    const error = e instanceof ParkerError ? { code: e.code, message: e.message, hint: e.hint ?? null } : { code: (e as Error)?.name === 'KernelError' ? 'E_KERNEL' : 'E_INTERNAL', message: String((e as Error)?.message ?? e), hint: null };
    post({ kind: 'read', seq, at: new Date().toISOString(), ms: performance.now() - t0, json: null, cma: [], error });
  } finally {
    machine?.close?.();
  }
}

/** Reads soon, once for every request that came meanwhile: each is answered by a read begun after it arrived. */
function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    read(wanted);
  });
}

parentPort!.on('message', (message: ReadRequest) => {
  wanted = Math.max(wanted, message.seq);
  schedule();
});
schedule();
