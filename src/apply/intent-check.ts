import type { Intent } from '../plan/intent.js';
import type { Step } from '../plan/step.js';

/**
 * What a journal may say, checked before recovery acts on it: the journal is a file, and a
 * step read back from it names partitions, devices and commands that recovery writes to and
 * runs. A partition is a plain name (never a path), a device a PCI address, CPUs small whole
 * numbers; the undo of a step must be the one its intent has (re-derived here, not trusted).
 */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const PCI = /^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const MAX_CPU = 1 << 16;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown, max = Number.MAX_SAFE_INTEGER) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= max;
const text = (v: unknown, max: number) => typeof v === 'string' && v.length > 0 && v.length <= max && !CONTROL.test(v);

function partitionProblem(v: Obj): string | null {
  if (typeof v.partition !== 'string' || !NAME.test(v.partition)) return `partition ${JSON.stringify(v.partition)} is not a partition name`;
  return null;
}

/** Why a value is not an intent parker writes; null when it is one. */
export function intentProblem(value: unknown): string | null {
  if (!isObj(value)) return 'it is not an object';
  const kind = value.kind;
  switch (kind) {
    case 'create-partition':
    case 'remove-partition':
      return partitionProblem(value);
    case 'assign-cpus':
      if (!Array.isArray(value.cpus) || value.cpus.length > MAX_CPU || !value.cpus.every((c) => isCount(c, MAX_CPU))) return 'its cpus are not a list of CPU numbers';
      return partitionProblem(value);
    case 'allocate-memory':
      if (!isCount(value.bytes) || (value.node !== null && !isCount(value.node, MAX_CPU))) return 'its bytes or node are not whole numbers';
      return partitionProblem(value);
    case 'hand-over-device':
    case 'take-back-device':
      if (typeof value.device !== 'string' || !PCI.test(value.device)) return `device ${JSON.stringify(value.device)} is not a PCI address`;
      return partitionProblem(value);
    case 'load-image':
      if (!text(value.image, 4096) || (value.initrd !== undefined && !text(value.initrd, 4096))) return 'its image or initrd is not a path';
      if (typeof value.cmdline !== 'string' || value.cmdline.length > 65536 || CONTROL.test(value.cmdline)) return 'its command line is not one line of text';
      return partitionProblem(value);
    case 'unload-image':
      return null;
    case 'start':
      if (value.console !== undefined && !text(value.console, 4096)) return 'its console is not a path';
      if (value.ready !== undefined && typeof value.ready !== 'boolean') return 'its ready is not true or false';
      return partitionProblem(value);
    case 'wait-online':
      if (!isCount(value.timeoutMs)) return 'its timeout is not a whole number';
      return partitionProblem(value);
    case 'wait-ready':
      if (!isCount(value.timeoutMs) || typeof value.pattern !== 'string' || value.pattern.length > 4096) return 'its pattern or timeout is malformed';
      return partitionProblem(value);
    case 'stop':
      if (!isCount(value.timeoutMs)) return 'its timeout is not a whole number';
      if (value.command !== null && (!Array.isArray(value.command) || value.command.length === 0 || value.command.length > 256 || !value.command.every((a) => typeof a === 'string' && a.length <= 4096 && !a.includes('\0')))) {
        return 'its command is not a list of arguments';
      }
      return partitionProblem(value);
    case 'online-boot-cpu':
    case 'offline-boot-cpu':
      return isCount(value.cpu, MAX_CPU) ? null : 'its cpu is not a CPU number';
    case 'probe-boot-device':
      return typeof value.device === 'string' && PCI.test(value.device) ? null : `device ${JSON.stringify(value.device)} is not a PCI address`;
    default:
      return `kind ${JSON.stringify(kind)} is not an intent`;
  }
}

/**
 * The undo a step of this intent has, re-derived from the intent alone (the start's stop keeps
 * the recorded command and timeout, checked as an intent): undefined when the recorded undo
 * is not one the intent can have.
 */
export function derivedUndo(intent: Intent, recorded: Intent | null): Intent | null | undefined {
  switch (intent.kind) {
    case 'create-partition':
      return recorded === null || (recorded.kind === 'remove-partition' && recorded.partition === intent.partition) ? recorded && { kind: 'remove-partition', partition: intent.partition } : undefined;
    case 'hand-over-device':
      return recorded === null || (recorded.kind === 'take-back-device' && recorded.partition === intent.partition && recorded.device === intent.device)
        ? recorded && { kind: 'take-back-device', partition: intent.partition, device: intent.device }
        : undefined;
    case 'load-image':
      return recorded === null || recorded.kind === 'unload-image' ? recorded && { kind: 'unload-image' } : undefined;
    case 'start':
      return recorded === null || (recorded.kind === 'stop' && recorded.partition === intent.partition)
        ? recorded && { kind: 'stop', partition: intent.partition, command: recorded.command, timeoutMs: recorded.timeoutMs }
        : undefined;
    case 'online-boot-cpu':
      return recorded === null || (recorded.kind === 'offline-boot-cpu' && recorded.cpu === intent.cpu) ? recorded && { kind: 'offline-boot-cpu', cpu: intent.cpu } : undefined;
    default:
      // Every other intent is undone by an earlier step's undo, or needs none.
      return recorded === null ? null : undefined;
  }
}

/** Why a value is not a plan step parker writes; null when it is one. */
export function stepProblem(value: unknown): string | null {
  if (!isObj(value)) return 'it is not an object';
  if (!isCount(value.id) || (value.id as number) < 1) return 'its id is not a step number';
  if (typeof value.kernel !== 'string' || typeof value.summary !== 'string' || typeof value.why !== 'string') return 'its kernel, why or summary is missing';
  const intent = intentProblem(value.intent);
  if (intent) return `its intent is malformed: ${intent}`;
  if (value.undo !== null) {
    const undo = intentProblem(value.undo);
    if (undo) return `its undo is malformed: ${undo}`;
  }
  return null;
}

/**
 * Why a list of steps (a journal's begin record, a saved plan) is not one parker planned: a
 * malformed step, or two with one number (the journal records their outcomes by number).
 */
export function stepsProblem(steps: unknown): string | null {
  if (!Array.isArray(steps)) return 'it has no steps';
  const ids = new Set<number>();
  for (const [i, step] of steps.entries()) {
    const problem = stepProblem(step);
    if (problem) return `step ${i + 1} is malformed: ${problem}`;
    const id = (step as Step).id;
    if (ids.has(id)) return `two steps are numbered ${id}`;
    ids.add(id);
  }
  return null;
}

/** Why recovery must not run a step's recorded undo: it is not the one its intent has. */
export function undoProblem(step: Step): string | null {
  if (derivedUndo(step.intent, step.undo) !== undefined) return null;
  return `step ${step.id}'s undo (${step.undo?.kind}) is not the one a ${step.intent.kind} has`;
}

/** The step with its undo as re-derived (stepProblem must have passed). */
export function withDerivedUndo(step: Step): Step {
  return { ...step, undo: derivedUndo(step.intent, step.undo) ?? null };
}
