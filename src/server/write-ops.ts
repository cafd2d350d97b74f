import type { MachineChoice } from '../service/machine-choice.js';
import type { ServiceEvent } from '../service/events.js';

/** What a write request asks the worker to do: one service function, by name. */
export type WriteOp =
  /** `name`: the layout file as the client named it (`file` is the daemon's copy of it). */
  | { op: 'apply'; file: string; name?: string; dryRun?: boolean }
  | { op: 'start'; name: string }
  | { op: 'stop'; name: string }
  | { op: 'destroy'; name?: string; all?: boolean }
  | { op: 'recover' };

export interface WorkerInput {
  txn: string;
  write: WriteOp;
  machine: MachineChoice;
  stateDir: string;
  /** Tests: block the worker's thread this long at each step start, as a host's synchronous kernel writes do. */
  blockMsPerStep?: number;
}

/** A service event as plain data (no machine objects): what crosses the thread and the event stream. */
export type PlainEvent = Record<string, unknown> & { type: string };

export type WorkerMessage = { kind: 'event'; event: PlainEvent } | { kind: 'result'; result: unknown } | { kind: 'error'; error: { code: string; message: string; hint: string | null; stack?: string } };

export function describeWrite(write: WriteOp): string {
  switch (write.op) {
    case 'apply':
      // As applyLayout names it in the lock and the journal: by the name the client gave.
      return `apply ${write.name ?? write.file}${write.dryRun ? ' --dry-run' : ''}`;
    case 'start':
    case 'stop':
      return `${write.op} ${write.name}`;
    case 'destroy':
      return write.all ? 'destroy --all' : `destroy ${write.name}`;
    case 'recover':
      return 'recover';
  }
}

/** Drops the machine objects and keeps what a client shows. */
export function plainEvent(event: ServiceEvent): PlainEvent {
  switch (event.type) {
    case 'step-start':
    case 'step-done':
    case 'step-failed':
      return {
        type: event.type,
        index: event.index,
        total: event.total,
        step: { id: event.step.id, kernel: event.step.kernel, action: event.step.action, kind: event.step.intent.kind, summary: event.step.summary },
        ...('ms' in event ? { ms: event.ms } : {}),
        ...('error' in event ? { error: event.error } : {}),
      };
    case 'undo-start':
    case 'undo-done':
    case 'undo-failed':
      return { type: event.type, step: { id: event.step.id, kernel: event.step.kernel, summary: event.step.summary }, ...('ms' in event ? { ms: event.ms } : {}), ...('error' in event ? { error: event.error } : {}) };
    case 'recovered':
      return { type: 'recovered', result: JSON.parse(JSON.stringify(event.result)) as unknown };
    case 'layout-planned':
      return { type: 'layout-planned', machine: event.machine.description, steps: event.planned.plan?.steps.map((s) => s.summary) ?? null };
    case 'steps-planned':
      return { type: 'steps-planned', machine: event.machine.description, action: event.action, steps: event.plan.steps.map((s) => s.summary) };
  }
}
