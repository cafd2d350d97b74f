import * as fs from 'node:fs';
import { parkerInterface } from '../../test/fixtures/kernel-interface.js';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { KernelError } from '../machines/kernel-error.js';
import { ParkerError } from '../units/parker-error.js';
import type { KernelFs, Machine, RunResult } from '../machines/machine.js';
import type { Step } from '../plan/step.js';
import type { Intent } from '../plan/intent.js';
import { executePlan } from './execute.js';
import { Journal } from './journal.js';

/**
 * A machine of plain files and a simulated clock: enough to drive the executor. `run` plays
 * a stop command; `powersOffAfterMs` says when the kernel clears online (null: never).
 */
function fakeMachine(files: Record<string, string>, options: { powersOffAfterMs?: number | null; runCode?: number; simulatedClock?: boolean } = {}) {
  const tree = new Map(Object.entries(files));
  let now = 0;
  let offAt: number | null = null;
  const runs: string[][] = [];
  const refresh = () => {
    if (offAt !== null && now >= offAt) for (const key of tree.keys()) if (key.endsWith('/online')) tree.set(key, '0\n');
  };
  const fs: KernelFs = {
    read(p) {
      refresh();
      const v = tree.get(p);
      if (v === undefined) throw new KernelError('ENOENT', 'read', p);
      return v;
    },
    readBytes: () => new Uint8Array(),
    write(p, v) {
      if (!tree.has(p)) throw new KernelError('ENOENT', 'write', p);
      tree.set(p, `${v}\n`);
    },
    mkdir(p) {
      tree.set(p, 'dir');
    },
    rmdir(p) {
      if (!tree.delete(p)) throw new KernelError('ENOENT', 'rmdir', p);
    },
    list: () => [],
    exists: (p) => tree.has(p),
    readlink: () => null,
    isDirectory: (p) => tree.get(p) === 'dir',
  };
  const machine: Machine = {
    kind: 'sim',
    description: 'fake machine',
    fs,
    simulatedClock: options.simulatedClock ?? false,
    clock: {
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    },
    async run(_partition: string, argv: string[]): Promise<RunResult> {
      runs.push(argv);
      if (options.powersOffAfterMs !== null) offAt = now + (options.powersOffAfterMs ?? 0);
      return { code: options.runCode ?? 0, output: options.runCode ? 'ssh: connect refused' : '' };
    },
  };
  return { machine, runs, tree, now: () => now };
}

const stop: Intent = { kind: 'stop', partition: 'db', command: ['ssh', 'db', 'poweroff'], timeoutMs: 5000 };
const runOp = (machine: Machine, intent: Intent) => parkerInterface.perform(machine, intent);

describe('Parker stop, performed', () => {
  test('a stop command returns once the kernel has cleared online', async () => {
    const fake = fakeMachine({ 'sys/fs/parker/db/online': '1\n' }, { powersOffAfterMs: 1260 });
    await runOp(fake.machine, stop);
    expect(fake.runs).toEqual([['ssh', 'db', 'poweroff']]);
    expect(fake.tree.get('sys/fs/parker/db/online')).toBe('0\n');
    // At the first look after it powered off: a real machine is looked at every 50 ms.
    expect(fake.now()).toBe(1300);
  });

  test('on a simulated clock a wait looks every 250 ms (each look is an op in its log)', async () => {
    const fake = fakeMachine({ 'sys/fs/parker/db/online': '1\n' }, { powersOffAfterMs: 1260, simulatedClock: true });
    await runOp(fake.machine, stop);
    expect(fake.now()).toBe(1500);
  });

  test('a stop command whose kernel never powers off times out after its timeout', async () => {
    const fake = fakeMachine({ 'sys/fs/parker/db/online': '1\n' }, { powersOffAfterMs: null });
    await expect(runOp(fake.machine, stop)).rejects.toThrow('sys/fs/parker/db/online still reads 1 after 5 s (waiting for 0)');
    expect(fake.now()).toBe(5000);
  });

  test('a stop command that fails is reported with its output, without waiting', async () => {
    const fake = fakeMachine({ 'sys/fs/parker/db/online': '1\n' }, { runCode: 255 });
    await expect(runOp(fake.machine, stop)).rejects.toThrow('stop command for db exited 255: ssh: connect refused');
    expect(fake.now()).toBe(0);
  });

  test('a wait reads a missing partition as not online', async () => {
    const fake = fakeMachine({});
    await runOp(fake.machine, { kind: 'stop', partition: 'gone', command: null, timeoutMs: 1000 });
    expect(fake.now()).toBe(0);
  });

  test('a machine that cannot run commands says so', async () => {
    const { run: _run, ...noRun } = fakeMachine({}).machine;
    await expect(runOp(noRun, stop)).rejects.toThrow('fake machine cannot run stop commands');
  });
});

describe('executePlan', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-execute-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const step = (id: number, intent: Intent, undo: Intent | null): Step => ({ id, action: 'create', kernel: 'db', intent, why: 'test', undo, summary: parkerInterface.describe(intent) });

  test('on a failure, undoes the completed steps in reverse and journals every outcome', async () => {
    const fake = fakeMachine({ 'sys/fs/parker/db/online': '0\n', 'sys/fs/parker/db/cpus': '\n' }, { powersOffAfterMs: 0 });
    const steps = [
      step(1, { kind: 'create-partition', partition: 'a' }, { kind: 'remove-partition', partition: 'a' }),
      step(2, { kind: 'assign-cpus', partition: 'db', cpus: [2, 3] }, stop),
      step(3, { kind: 'assign-cpus', partition: 'missing', cpus: [4] }, null),
    ];
    const journal = new Journal(dir);
    const events: string[] = [];
    const result = await executePlan(fake.machine, parkerInterface, steps, journal, { command: 'apply t', onEvent: (e) => events.push(`${e.type} ${e.step.id}`) });

    expect(result.outcome).toBe('rolled-back');
    expect(result.stepsRun).toBe(2);
    expect(result.failure).toMatchObject({ error: 'write sys/fs/parker/missing/cpus: ENOENT', undoErrors: [], notUndone: [] });
    expect(events).toEqual(['step-start 1', 'step-done 1', 'step-start 2', 'step-done 2', 'step-start 3', 'step-failed 3', 'undo-start 2', 'undo-done 2', 'undo-start 1', 'undo-done 1']);
    expect(journal.records().map((r) => `${r.type}${'step' in r ? ` ${r.step}` : r.type === 'announce' ? ` ${r.steps.join(',')}` : ''}`)).toEqual([
      'begin',
      'announce 1,2,3',
      'intent 1',
      'done 1',
      'intent 2',
      'done 2',
      'intent 3',
      'failed 3',
      'undo-intent 2',
      'undone 2',
      'undo-intent 1',
      'undone 1',
      'end',
    ]);
    expect(fake.tree.has('sys/fs/parker/a')).toBe(false);
    expect(fake.runs).toEqual([['ssh', 'db', 'poweroff']]);
  });

  test('a kernel that does not come up is reported with the last 12 lines of its console', async () => {
    const fake = fakeMachine({ 'sys/fs/parker/db/online': '0\n' });
    const console = Array.from({ length: 20 }, (_, i) => `[${i}] line ${i}`);
    const machine: Machine = { ...fake.machine, console: (name) => (name === 'db' ? console : []) };
    const start = step(1, { kind: 'wait-online', partition: 'db', timeoutMs: 1000 }, null);
    const result = await executePlan(machine, parkerInterface, [start], new Journal(dir), { command: 'start db' });
    expect(result.failure?.error).toBe('sys/fs/parker/db/online still reads 0 after 1 s (waiting for 1)');
    expect(result.failure?.consoleTail).toEqual(console.slice(8));
  });

  test('a console that cannot be read (too large) does not stop the rollback of a failed step', async () => {
    const fake = fakeMachine({ 'sys/fs/parker/db/online': '0\n' });
    const machine: Machine = {
      ...fake.machine,
      console: () => {
        throw new ParkerError('E_TOO_BIG', "db's console holds more than 64 MiB since its start", 'tail it');
      },
    };
    const start = step(1, { kind: 'wait-online', partition: 'db', timeoutMs: 1000 }, null);
    const journal = new Journal(dir);
    const result = await executePlan(machine, parkerInterface, [start], journal, { command: 'start db' });
    expect(result.outcome).toBe('rolled-back');
    expect(result.failure?.consoleTail).toEqual([]);
    expect(journal.records().at(-1)).toMatchObject({ type: 'end', outcome: 'rolled-back' });
  });

  test("each kernel's run of steps is announced once, before its first step begins", async () => {
    const fake = fakeMachine({});
    const of = (id: number, kernel: string): Step => ({ ...step(id, { kind: 'create-partition', partition: kernel }, null), kernel });
    // a, a, b, boot, boot, a: four runs (a kernel's steps need not be all together).
    const steps = [of(1, 'a'), of(2, 'a'), of(3, 'b'), of(4, 'boot'), of(5, 'boot'), of(6, 'a')];
    const journal = new Journal(dir);
    expect((await executePlan(fake.machine, parkerInterface, steps, journal, { command: 'apply t' })).outcome).toBe('applied');
    expect(journal.records().filter((r) => r.type === 'announce' || r.type === 'intent').map((r) => (r.type === 'announce' ? `announce ${r.steps.join(',')}` : `intent ${r.step}`))).toEqual([
      'announce 1,2',
      'intent 1',
      'intent 2',
      'announce 3',
      'intent 3',
      'announce 4,5',
      'intent 4',
      'intent 5',
      'announce 6',
      'intent 6',
    ]);
  });
});
