import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, test } from 'vitest';
import { runCli, type CliResult } from './run-cli.js';
import { applyLayout } from '../src/service/apply.js';
import { destroyPartitions, recoverMachine, startKernel, stopKernel } from '../src/service/lifecycle.js';
import { ApplyLock } from '../src/apply/lock.js';
import { withHostHardware } from '../src/service/host-hardware.js';
import { discover } from '../src/topology/discover.js';
import { createSim } from '../src/service/sim.js';
import { openMachine } from '../src/service/open-machine.js';
import { statusOf } from '../src/service/status.js';
import type { ServiceContext } from '../src/service/service-context.js';
import { openSimMachine } from '../src/machines/sim/sim-machine.js';
import { Journal } from '../src/apply/journal.js';
import { bootId, processStartTime } from '../src/apply/process-identity.js';
import { ParkerError } from '../src/units/parker-error.js';
import { frameRecord } from '../src/units/framed-lines.js';
import type { Step } from '../src/plan/step.js';

// Each defect of "State that cannot be lost or forged", as the tester found it.

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-faults-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
let n = 0;
const freshDir = () => {
  const dir = path.join(scratch, `s${n++}`);
  fs.mkdirSync(dir);
  return dir;
};

function contextFor(stateDir: string, open?: ServiceContext['open']): ServiceContext {
  return { open: open ?? ((o) => openMachine({ machine: 'sim', stateDir }, o)), stateDir, confirm: async () => true, now: () => new Date('2026-12-06T12:00:00Z') };
}

const partitionsOf = (stateDir: string) => statusOf(openMachine({ machine: 'sim', stateDir }), stateDir).partitions.map((p) => p.name);

/** A CLI run that ended as a user error, never a bug: a stable code, a fix, no stack trace. */
function expectClearError(r: CliResult, code: string): void {
  expect(r.code, r.stderr).toBe(3);
  expect(r.stderr).toContain(`error ${code}: `);
  expect(r.stderr).toContain('fix: ');
  expect(r.stderr).not.toContain('internal error');
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('1. stale plans', () => {
  test('apply, start, stop, destroy and recover read the machine only while they hold the lock, so no other parker changes it under their plan', async () => {
    const stateDir = freshDir();
    createSim(stateDir, { source: { kind: 'default' }, now: new Date() });
    const unlockedOpens: string[] = [];
    let action = '';
    const ctx = contextFor(stateDir, (o) => {
      const holder = new ApplyLock(stateDir).holderOrNull();
      if (holder?.pid !== process.pid) unlockedOpens.push(action);
      return openMachine({ machine: 'sim', stateDir }, o);
    });
    action = 'apply';
    const report = await applyLayout(ctx, 'examples/default.yaml');
    expect(report.outcome).toBe('applied');
    const name = report.placement!.kernels[0]!.name;
    action = 'stop';
    await stopKernel(ctx, name);
    action = 'start';
    await startKernel(ctx, name);
    action = 'destroy';
    await destroyPartitions(ctx, { all: true });
    action = 'recover';
    await recoverMachine(ctx);
    expect(unlockedOpens).toEqual([]);
  });

  test('a change made by another parker before this apply took the lock is seen by its plan', async () => {
    const stateDir = freshDir();
    createSim(stateDir, { source: { kind: 'default' }, now: new Date() });
    // Another parker made a partition just before: the plan made under the lock removes it.
    const other = openSimMachine(stateDir);
    other.fs.mkdir('sys/fs/parker/intruder');
    other.close();
    const report = await applyLayout(contextFor(stateDir), 'examples/default.yaml');
    expect(report.outcome).toBe('applied');
    expect(partitionsOf(stateDir).sort()).toEqual(report.placement!.kernels.map((k) => k.name).sort());
  });
});

/** A journal with one unfinished transaction that created partition db, owned by `owner`. */
function openTransaction(stateDir: string, owner: object | undefined): void {
  const m = openSimMachine(stateDir);
  m.fs.mkdir('sys/fs/parker/db');
  m.close();
  const step: Step = { id: 1, action: 'create', kernel: 'db', intent: { kind: 'create-partition', partition: 'db' }, why: 'test', undo: { kind: 'remove-partition', partition: 'db' }, summary: 'mkdir sys/fs/parker/db' };
  const journal = new Journal(stateDir);
  journal.append({ type: 'begin', txn: 't1', at: '2026-12-06T12:00:00.000Z', command: 'apply live.yaml', machine: 'simulated default server', interface: 'parker', ...(owner ? { owner: owner as never } : {}), steps: [step] });
  journal.append({ type: 'intent', txn: 't1', step: 1 });
  journal.append({ type: 'done', txn: 't1', step: 1, ms: 1 });
  journal.close();
}

describe('2. recover proves the holder dead', () => {
  let child: ChildProcess | null = null;
  afterAll(() => child?.kill('SIGKILL'));

  test('with the lock file gone, recover refuses a transaction whose process still runs (pid + start time + host), and rolls it back once it has ended', async () => {
    const stateDir = freshDir();
    createSim(stateDir, { source: { kind: 'default' }, now: new Date() });
    child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    await new Promise((resolve) => child!.once('spawn', resolve));
    const pid = child.pid!;
    const owner = { pid, hostname: os.hostname(), startTime: processStartTime(pid) ?? undefined, bootId: bootId() ?? undefined };
    openTransaction(stateDir, owner);
    expect(fs.existsSync(path.join(stateDir, 'lock'))).toBe(false);

    const refused = await recoverMachine(contextFor(stateDir)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ParkerError);
    expect((refused as ParkerError).code).toBe('E_LOCKED');
    expect((refused as ParkerError).message).toContain(`still being run by pid ${pid}`);
    expect((refused as ParkerError).hint).not.toMatch(/remove|delete|rm /);
    expect(partitionsOf(stateDir)).toEqual(['db']);
    // Apply, too, leaves a live transaction alone; status says an apply is running.
    expect(((await applyLayout(contextFor(stateDir), 'examples/default.yaml').catch((e: unknown) => e)) as ParkerError).code).toBe('E_LOCKED');
    const status = statusOf(openMachine({ machine: 'sim', stateDir }), stateDir);
    expect(status.applyRunning).toMatchObject({ pid, command: 'apply live.yaml' });
    expect((await runCli('status', '--state-dir', stateDir)).stdout).toContain(`running now: "apply live.yaml", pid ${pid}`);
    expect(status.unfinishedTransaction).toBeNull();

    child.kill('SIGKILL');
    await new Promise((resolve) => child!.once('exit', resolve));
    child = null;
    const recovered = await recoverMachine(contextFor(stateDir));
    expect(recovered.txn).toBe('t1');
    expect(partitionsOf(stateDir)).toEqual([]);
  });

  test('a transaction whose pid now belongs to another process (its start time differs) is recovered', async () => {
    const stateDir = freshDir();
    createSim(stateDir, { source: { kind: 'default' }, now: new Date() });
    openTransaction(stateDir, { pid: process.ppid, hostname: os.hostname(), startTime: '1' });
    expect((await recoverMachine(contextFor(stateDir))).undone).toBe(1);
    expect(partitionsOf(stateDir)).toEqual([]);
  });

  test('recover refuses a journal whose undo is not the one its step has (a forged command or path), changing nothing', async () => {
    const stateDir = freshDir();
    createSim(stateDir, { source: { kind: 'default' }, now: new Date() });
    const m = openSimMachine(stateDir);
    m.fs.mkdir('sys/fs/parker/db');
    m.close();
    const forged: Step = { id: 1, action: 'create', kernel: 'db', intent: { kind: 'create-partition', partition: 'db' }, why: 'x', undo: { kind: 'stop', partition: 'db', command: ['sh', '-c', 'touch /tmp/pwned'], timeoutMs: 1 }, summary: 'x' };
    fs.writeFileSync(path.join(stateDir, 'journal.jsonl'), [frameRecord({ type: 'begin', txn: 't', at: 'x', command: 'apply x', machine: 'simulated default server', steps: [forged] }), frameRecord({ type: 'done', txn: 't', step: 1, ms: 1 }), ''].join('\n'));
    const r = await runCli('recover', '--state-dir', stateDir);
    expectClearError(r, 'E_STATE_CORRUPT');
    expect(r.stderr).toContain("step 1's undo (stop) is not the one a create-partition has");
    expect(partitionsOf(stateDir)).toEqual(['db']);
  });

  test('recover refuses journal steps that name a path instead of a partition', async () => {
    const stateDir = freshDir();
    createSim(stateDir, { source: { kind: 'default' }, now: new Date() });
    const evil = { id: 1, action: 'create', kernel: 'x', intent: { kind: 'create-partition', partition: '../../../devices/system/cpu/cpu1' }, why: 'x', undo: { kind: 'remove-partition', partition: '../../../devices/system/cpu/cpu1' }, summary: 'x' };
    fs.writeFileSync(path.join(stateDir, 'journal.jsonl'), [frameRecord({ type: 'begin', txn: 't', at: 'x', command: 'apply x', machine: 'simulated default server', steps: [evil] }), frameRecord({ type: 'done', txn: 't', step: 1, ms: 1 }), ''].join('\n'));
    const r = await runCli('recover', '--state-dir', stateDir);
    expectClearError(r, 'E_STATE_CORRUPT');
    expect(r.stderr).toContain('is not a partition name');
  });
});

describe('3. the simulator op log', () => {
  test('one corrupt line in the middle stops the machine from opening, naming the line and the fix; nothing after it is silently dropped', async () => {
    const stateDir = freshDir();
    expect((await runCli('sim', 'create', '--state-dir', stateDir)).code).toBe(0);
    expect((await runCli('apply', 'examples/default.yaml', '--state-dir', stateDir)).code).toBe(0);
    const log = path.join(stateDir, 'sim', 'ops.log');
    const lines = fs.readFileSync(log, 'utf8').split('\n');
    lines[3] = lines[3]!.replace('sys', 'sYs');
    fs.writeFileSync(log, lines.join('\n'));
    const before = fs.readFileSync(log);
    for (const args of [['status'], ['apply', 'examples/default.yaml'], ['destroy', '--all']]) {
      const r = await runCli(...args, '--state-dir', stateDir);
      expectClearError(r, 'E_STATE_CORRUPT');
      expect(r.stderr).toContain(`${log} is damaged: line 4 of`);
      expect(r.stderr).toContain('head -n 3');
    }
    expect(fs.readFileSync(log)).toEqual(before);
  });
});

describe('4. corrupt or malformed state files', () => {
  const journalCases: [string, (file: string) => void][] = [
    ['a garbled middle line', (f) => fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace(/"type":"intent"/, '"type":"intnet"'))],
    ['binary garbage', (f) => fs.writeFileSync(f, Buffer.concat([fs.readFileSync(f), Buffer.from([0, 159, 255, 10, 1, 2, 10])]))],
    ['null', (f) => fs.writeFileSync(f, 'null\n')],
    ['a begin record without steps', (f) => fs.writeFileSync(f, frameRecord({ type: 'begin', txn: 't', at: 'x', command: 'apply x', machine: 'simulated default server' }) + '\n')],
    ['a done for an unknown step', (f) => fs.appendFileSync(f, frameRecord({ type: 'done', txn: 't1', step: 99, ms: 1 }) + '\n')],
  ];
  for (const [what, damage] of journalCases) {
    test(`a journal with ${what}: status, recover and apply end with E_STATE_CORRUPT naming the file, never exit 70`, async () => {
      const stateDir = freshDir();
      createSim(stateDir, { source: { kind: 'default' }, now: new Date() });
      openTransaction(stateDir, undefined);
      const file = path.join(stateDir, 'journal.jsonl');
      damage(file);
      const before = fs.readFileSync(file);
      for (const args of [['recover'], ['apply', 'examples/default.yaml']]) {
        const r = await runCli(...args, '--state-dir', stateDir);
        expectClearError(r, 'E_STATE_CORRUPT');
        expect(r.stderr).toContain(`the journal ${file}`);
      }
      const status = await runCli('status', '-o', 'json', '--state-dir', stateDir);
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout).stateProblems[0].code).toBe('E_STATE_CORRUPT');
      const table = await runCli('status', '--state-dir', stateDir);
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(/^E_STATE_CORRUPT: .*journal/m);
      expect(fs.readFileSync(file)).toEqual(before);
      expect(partitionsOf(stateDir)).toEqual(['db']);
    });
  }

  const metaCases: [string, (meta: Record<string, unknown>) => unknown][] = [
    ['null', () => null],
    ['an unknown source kind', (m) => ({ ...m, source: { kind: 'floppy' } })],
    ['a cmdline that is not text', (m) => ({ ...m, cmdline: 42 })],
  ];
  for (const [what, damage] of metaCases) {
    test(`a machine.json holding ${what} is refused with E_STATE_CORRUPT`, async () => {
      const stateDir = freshDir();
      createSim(stateDir, { source: { kind: 'default' }, now: new Date() });
      const file = path.join(stateDir, 'sim', 'machine.json');
      fs.writeFileSync(file, JSON.stringify(damage(JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>)));
      const r = await runCli('status', '--state-dir', stateDir);
      expectClearError(r, 'E_STATE_CORRUPT');
      expect(r.stderr).toContain(file);
    });
  }

  test('an applied.json without a layout, or garbled, is refused at once by stop and destroy, never read as "none applied"', async () => {
    const stateDir = freshDir();
    expect((await runCli('apply', 'examples/default.yaml', '--state-dir', stateDir)).code).toBe(0);
    const file = path.join(stateDir, 'applied.json');
    const applied = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    const name = partitionsOf(stateDir)[0]!;
    for (const text of [JSON.stringify({ ...applied, layout: undefined }), fs.readFileSync(file, 'utf8').slice(0, 200)]) {
      fs.writeFileSync(file, text);
      const started = Date.now();
      for (const args of [['stop', name], ['destroy', '--all'], ['start', name]]) {
        const r = await runCli(...args, '--state-dir', stateDir);
        expectClearError(r, 'E_STATE_CORRUPT');
        expect(r.stderr).toContain(`the applied layout ${file} is damaged`);
      }
      expect(Date.now() - started).toBeLessThan(20_000);
    }
    expect(partitionsOf(stateDir)).toHaveLength(applied.layout ? (applied.layout as { placement: { kernels: unknown[] } }).placement.kernels.length : 0);
  });

  test('a damaged hardware.json of a host is refused with E_STATE_CORRUPT, never read as "nothing recorded"', () => {
    const stateDir = freshDir();
    fs.writeFileSync(path.join(stateDir, 'hardware.json'), '{"format":"parker.hardware/v1","topo');
    const host = withHostHardware(openMachine({ synthetic: 'pack:1 core:2 pu:2 mem:8G' }), stateDir);
    const error = (() => {
      try {
        host.hardware!(discover(host));
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect((error as ParkerError).code).toBe('E_STATE_CORRUPT');
    expect((error as ParkerError).message).toContain('hardware.json is damaged');
  });

  test('a lock that is a directory or a JSON list is refused with E_STATE_CORRUPT, not a stack trace', async () => {
    const stateDir = freshDir();
    const lock = path.join(stateDir, 'lock');
    fs.mkdirSync(lock);
    expectClearError(await runCli('apply', 'examples/default.yaml', '--state-dir', stateDir), 'E_STATE_CORRUPT');
    fs.rmdirSync(lock);
    fs.writeFileSync(lock, '[1,2]');
    const r = await runCli('recover', '--state-dir', stateDir);
    expectClearError(r, 'E_STATE_CORRUPT');
    expect(r.stderr).toContain('it holds a list');
  });
});

describe('a lock left by a parker that was killed', () => {
  test('status says it is stale, in text and JSON, and the next apply takes it over; a dangling link in its place is refused with the fix', async () => {
    const stateDir = freshDir();
    createSim(stateDir, { source: { kind: 'default' }, now: new Date() });
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const lockFile = path.join(stateDir, 'lock');
    fs.writeFileSync(lockFile, JSON.stringify({ format: 'parker.lock/v1', pid: dead, hostname: os.hostname(), command: 'apply examples/default.yaml', since: '2026-12-07T12:00:00.000Z' }) + '\n');
    const json = JSON.parse((await runCli('status', '-o', 'json', '--state-dir', stateDir)).stdout) as { lock: { pid: number; stale: boolean }; applyRunning: unknown };
    expect(json.lock).toMatchObject({ pid: dead, stale: true });
    expect(json.applyRunning).toBeNull();
    const text = await runCli('status', '--state-dir', stateDir);
    expect(text.stdout).toContain(`lock left by pid ${dead} on ${os.hostname()} ("apply examples/default.yaml"), which has ended: the next change takes it over`);
    expect((await runCli('apply', 'examples/default.yaml', '--state-dir', stateDir)).code).toBe(0);
    expect(fs.existsSync(lockFile)).toBe(false);

    // A held lock is not stale.
    const held = new ApplyLock(stateDir);
    held.acquire('apply held.yaml');
    expect((JSON.parse((await runCli('status', '-o', 'json', '--state-dir', stateDir)).stdout) as { lock: { stale: boolean } }).lock.stale).toBe(false);
    const running = (await runCli('status', '--state-dir', stateDir)).stdout;
    expect(running).toContain(`running now: "apply held.yaml", pid ${process.pid}`);
    expect(running).not.toContain('which has ended');
    held.release();

    fs.symlinkSync(path.join(stateDir, 'nowhere'), lockFile);
    const r = await runCli('apply', 'examples/default.yaml', '--state-dir', stateDir);
    expectClearError(r, 'E_STATE_CORRUPT');
    expect(r.stderr).toContain('it is a symbolic link');
  });
});

describe('5. unbounded reads', () => {
  const fifo = path.join(scratch, 'fifo');
  execFileSync('mkfifo', [fifo]);

  test('a layout that is /dev/zero or a FIFO fails at once with E_TOO_BIG', async () => {
    for (const file of ['/dev/zero', fifo]) {
      const started = Date.now();
      const r = await runCli('validate', file, '--state-dir', freshDir());
      expectClearError(r, 'E_TOO_BIG');
      expect(Date.now() - started).toBeLessThan(10_000);
    }
  });

  test('an image, initrd or config that is /dev/zero or a FIFO is an error at once, in validate and apply', async () => {
    const layout = path.join(scratch, 'devices.yaml');
    const kernel = (name: string, extra: string, node: number) => `  - { name: ${name}, cpus: { count: 2, placement: nodes, nodes: [${node}] }, memory: 1G, ${extra} }`;
    fs.writeFileSync(
      layout,
      ['apiVersion: parker/v1alpha1', 'kind: Layout', 'metadata: { name: d }', 'kernels:', kernel('img', `image: ${fifo}`, 0), kernel('zero', 'image: /dev/zero', 1), kernel('rd', `image: /boot/vmlinuz-parker, initrd: ${fifo}`, 2), ''].join('\n'),
    );
    const stateDir = freshDir();
    const started = Date.now();
    const v = await runCli('validate', layout, '--state-dir', stateDir);
    expect(v.code).toBe(1);
    expect(v.stdout).toContain(`its image ${fifo} cannot be read`);
    expect(v.stdout).toContain('its image /dev/zero cannot be read');
    expect(v.stdout).toContain(`its initrd ${fifo} cannot be read`);
    expect((await runCli('apply', layout, '--state-dir', stateDir)).code).toBe(1);
    fs.writeFileSync(layout, ['apiVersion: parker/v1alpha1', 'kind: Layout', 'metadata: { name: d }', 'kernels:', kernel('cfg', 'image: /boot/vmlinuz-parker, config: /dev/zero', 0), ''].join('\n'));
    expectClearError(await runCli('validate', layout, '--state-dir', stateDir), 'E_TOO_BIG');
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  test('a gzip bomb given as --from is refused at its unpacked-size limit', async () => {
    const bomb = path.join(scratch, 'bomb.tar.gz');
    execFileSync('sh', ['-c', `head -c 300M /dev/zero | gzip -1 > ${bomb}`]);
    const r = await runCli('discover', '--from', bomb);
    expectClearError(r, 'E_TOO_BIG');
    expect(r.stderr).toContain('unpacks to more than 256 MiB');
  }, 60_000);

  test('a layout with 150k duplicate devices is refused without a RangeError, and one that fits the size limit is a clear finding', async () => {
    const head = ['apiVersion: parker/v1alpha1', 'kind: Layout', 'metadata: { name: big }', 'kernels:', '  - name: a', '    cpus: { count: 2 }', '    memory: 1G', '    image: /boot/vmlinuz-parker'];
    const big = path.join(scratch, 'big.yaml');
    fs.writeFileSync(big, [...head, '    devices:', ...Array<string>(150_000).fill('      - 0000:01:00.0'), ''].join('\n'));
    expectClearError(await runCli('validate', big, '--state-dir', freshDir()), 'E_TOO_BIG');
    fs.writeFileSync(big, [...head, `    devices: [${Array<string>(125_000).fill('01:00.0').join(',')}]`, ''].join('\n'));
    const r = await runCli('validate', big, '--state-dir', freshDir());
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('layout-too-large: kernels.0.devices has 125000 entries');
  }, 60_000);
});

describe('7. trust boundaries', () => {
  test('sim create --root does not copy the target of a link out of the tree into the state directory', async () => {
    const secret = path.join(scratch, 'secret');
    fs.writeFileSync(secret, 'root:SECRET-HASH:19000:0:99999:7:::\n');
    const tree = path.join(scratch, 'tree');
    const r0 = await runCli('gather', '--synthetic', 'pack:1 numa:1 l3:1 core:2 pu:2 mem:8G', '-f', path.join(scratch, 'tree.tar.gz'));
    expect(r0.code).toBe(0);
    fs.mkdirSync(tree);
    execFileSync('tar', ['xzf', path.join(scratch, 'tree.tar.gz'), '-C', tree]);
    fs.rmSync(path.join(tree, 'proc/cmdline'), { force: true });
    fs.symlinkSync(secret, path.join(tree, 'proc/cmdline'));
    const stateDir = freshDir();
    await runCli('sim', 'create', '--root', tree, '--state-dir', stateDir);
    const written = spawnSync('grep', ['-r', '-a', '-l', 'SECRET-HASH', stateDir], { encoding: 'utf8' }).stdout;
    expect(written).toBe('');
  });

  test('control characters from input are shown escaped in errors, never sent to the terminal', async () => {
    const r = await runCli('status', 'db\u001b[2J\u0007', '--state-dir', freshDir());
    expect(r.code).toBe(2);
    // eslint-disable-next-line no-control-regex
    expect(r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    expect(r.stderr).toContain('\\u001b[2J\\u0007');
    const layout = path.join(scratch, 'escape.yaml');
    fs.writeFileSync(layout, ['apiVersion: parker/v1alpha1', 'kind: Layout', 'metadata: { name: e }', 'kernels:', '  - { name: a, cpus: { count: 2 }, memory: 1G, image: "/boot/\\e[2Jevil" }', ''].join('\n'));
    const v = await runCli('validate', layout, '--state-dir', freshDir());
    expect(v.code).toBe(1);
    expect(v.stdout + v.stderr).toContain('/boot/\\u001b[2Jevil');
    expect(v.stdout + v.stderr).not.toContain('\u001b');
  });
});
