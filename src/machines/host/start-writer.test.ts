import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parkerInterface } from '../../interfaces/parker/index.js';
import { isKernelError } from '../kernel-error.js';
import { hostMachine } from './host-machine.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-start-root-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A partition directory whose `online` is a FIFO with no reader: its writer blocks, as the boot kernel's busy-wait does. */
function stuckPartition(name: string): string {
  const dir = path.join(root, 'sys/fs/parker', name);
  fs.mkdirSync(path.join(dir, 'devices'), { recursive: true });
  for (const [file, value] of [
    ['id', '1'],
    ['cpus', '2-3'],
    ['memory', '1073741824@0x100000000'],
    ['control_structure', '0x7f001000'],
  ]) {
    fs.writeFileSync(path.join(dir, file!), `${value}\n`);
  }
  execFileSync('mkfifo', [path.join(dir, 'online')]);
  return dir;
}

describe('starting a partition on a host', () => {
  it('does not hang when the kernel never comes up, and touches none of its files while the start is in flight', async () => {
    const dir = stuckPartition('a');
    const machine = hostMachine(root, true);
    const t0 = Date.now();
    machine.fs.write('sys/fs/parker/a/online', '1');
    const waited = Date.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(1500);
    expect(waited).toBeLessThan(10_000);

    // A read would block (here: a FIFO with a writer and no reader would hand over its bytes;
    // on Parker the kernel blocks it). It is refused at once instead.
    const t1 = Date.now();
    expect(() => machine.fs.read('sys/fs/parker/a/online')).toThrow(expect.objectContaining({ errno: 'EAGAIN' }));
    expect(() => machine.fs.read('sys/fs/parker/a/cpus')).toThrow(expect.objectContaining({ errno: 'EAGAIN' }));
    expect(() => machine.fs.write('sys/fs/parker/a/unbind', '0000:00:04.0')).toThrow(expect.objectContaining({ errno: 'EAGAIN' }));
    expect(() => machine.fs.rmdir('sys/fs/parker/a')).toThrow(expect.objectContaining({ errno: 'EAGAIN' }));
    expect(Date.now() - t1).toBeLessThan(1000);

    // Another parker process (status: read-only) sees "starting" from the records alone.
    const status = hostMachine(root);
    expect(status.partitionState!('a')).toEqual({ state: 'starting', onlineAt: null });
    expect(parkerInterface.readPartitions(status.fs).find((p) => p.name === 'a')).toMatchObject({ online: false, cpus: [] });

    // The boot timeout fires on time, with a clear error, without reading online.
    const t2 = Date.now();
    await expect(parkerInterface.perform(machine, { kind: 'wait-online', partition: 'a', timeoutMs: 600 })).rejects.toMatchObject({
      code: 'E_TIMEOUT',
      message: expect.stringMatching(/did not read 1 within 0.6 s: .*start of partition a is in flight/),
    });
    expect(Date.now() - t2).toBeLessThan(3000);
    // Rolling back does not block either: stopping or removing it is refused at once.
    await expect(parkerInterface.perform(machine, { kind: 'stop', partition: 'a', command: null, timeoutMs: 60_000 })).rejects.toMatchObject({ code: 'E_START' });
    await expect(parkerInterface.perform(machine, { kind: 'remove-partition', partition: 'a' })).rejects.toMatchObject({ code: 'E_START' });
    await expect(parkerInterface.perform(machine, { kind: 'start', partition: 'a' })).rejects.toMatchObject({ code: 'E_START', message: expect.stringMatching(/in flight/) });

    // The kernel comes up: the writer returns, and the partition's files can be read again.
    expect(fs.readFileSync(path.join(dir, 'online'), 'utf8')).toBe('1\n');
    const until = Date.now() + 5000;
    while (status.partitionState!('a')?.state === 'starting' && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    // No longer starting (its online file here is the FIFO the test wrote through, which the
    // host layer will not read: a real kernel's is a plain file, as in the next test).
    expect(status.partitionState!('a')?.state).not.toBe('starting');
    expect(machine.fs.read('sys/fs/parker/a/cpus').trim()).toBe('2-3');
    // It was started once: a Parker partition is single-use.
    expect(status.startedBefore!('a')).toBe(true);
  });

  it('returns at once when the write completes, and reports a refusal with its errno, remembering nothing', () => {
    const dir = path.join(root, 'sys/fs/parker/b');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'online'), '0\n');
    const machine = hostMachine(root, true);
    machine.fs.write('sys/fs/parker/b/online', '1');
    expect(fs.readFileSync(path.join(dir, 'online'), 'utf8')).toBe('1\n');
    expect(machine.startedBefore!('b')).toBe(true);
    expect(machine.partitionState!('b')).toMatchObject({ state: 'online', onlineAt: expect.any(Number) });
    // Powered off since: online reads 0 again.
    fs.writeFileSync(path.join(dir, 'online'), '0\n');
    expect(machine.partitionState!('b')).toMatchObject({ state: 'stopped' });
    let errno: string | null = null;
    try {
      machine.fs.write('sys/fs/parker/missing/online', '1');
    } catch (e) {
      errno = isKernelError(e) ? e.errno : 'other';
    }
    expect(errno).toBe('ENOENT');
    expect(machine.startedBefore!('missing')).toBeNull();
  });

  it('forgets a partition once it is removed, and a partition made again under the same name is a new one', () => {
    const dir = path.join(root, 'sys/fs/parker/c');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'online'), '0\n');
    const machine = hostMachine(root, true);
    machine.fs.write('sys/fs/parker/c/online', '1');
    expect(machine.startedBefore!('c')).toBe(true);
    fs.rmSync(path.join(dir, 'online'));
    machine.fs.rmdir('sys/fs/parker/c');
    expect(fs.existsSync(path.join(root, 'run/parker/partitions/c'))).toBe(false);
    fs.mkdirSync(dir, { recursive: true });
    expect(machine.startedBefore!('c')).toBeNull();
  });

  it('writes other files in-process, and never when opened read-only', () => {
    fs.mkdirSync(path.join(root, 'sys/devices/system/cpu/cpu1'), { recursive: true });
    fs.writeFileSync(path.join(root, 'sys/devices/system/cpu/cpu1/online'), '1\n');
    hostMachine(root, true).fs.write('sys/devices/system/cpu/cpu1/online', '0');
    expect(fs.readFileSync(path.join(root, 'sys/devices/system/cpu/cpu1/online'), 'utf8')).toBe('0');
    expect(() => hostMachine(root).fs.write('sys/fs/parker/b/online', '1')).toThrow(/EROFS/);
  });
});

describe('reading a console on a host', () => {
  it('shows what a log file gained since the start, not what an earlier boot left', () => {
    const log = path.join(root, 'd-console.log');
    fs.writeFileSync(log, '[    9.000000] Run /init as init process\n[   10.000000] reboot: Power down\n');
    fs.mkdirSync(path.join(root, 'sys/fs/parker/d'), { recursive: true });
    const machine = hostMachine(root, true);
    machine.watchConsole!('d', log);
    expect(machine.console!('d')).toEqual([]);
    fs.appendFileSync(log, '[    0.000000] Linux version 6.12.117\r\n[    1.500000] Run /init as init process\r\n');
    expect(machine.console!('d')).toEqual(['[    0.000000] Linux version 6.12.117', '[    1.500000] Run /init as init process']);
    // Another process sees the same.
    expect(hostMachine(root).console!('d')).toHaveLength(2);
  });
});

describe('a start write that fails after its grace', () => {
  it('fails the wait for online at once with what the writer said, instead of waiting out the timeout', async () => {
    const dir = path.join(root, 'sys/fs/parker/f');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'online'), '0\n');
    const machine = hostMachine(root, true);
    machine.fs.write('sys/fs/parker/f/online', '1');
    // As the writer would leave it had its write failed late: exit status 1 and its message.
    const records = path.join(root, 'run/parker/partitions/f');
    fs.writeFileSync(path.join(records, 'status.err'), 'sh: write error: Input/output error\n');
    fs.writeFileSync(path.join(records, 'status'), '1\n');
    expect(machine.partitionState!('f')).toEqual({ state: 'start-failed', onlineAt: null, reason: 'the start write exited 1: sh: write error: Input/output error' });
    const t0 = Date.now();
    await expect(parkerInterface.perform(machine, { kind: 'wait-online', partition: 'f', timeoutMs: 60_000 })).rejects.toMatchObject({
      code: 'E_START',
      message: 'the start of f failed: the start write exited 1: sh: write error: Input/output error',
    });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('reads a console from a character device through a reader it ends when the partition is removed', () => {
    fs.mkdirSync(path.join(root, 'sys/fs/parker/g'), { recursive: true });
    const machine = hostMachine(root, true);
    machine.watchConsole!('g', '/dev/null');
    const record = JSON.parse(fs.readFileSync(path.join(root, 'run/parker/partitions/g/console.json'), 'utf8')) as { kind: string; pid: number | null };
    expect(record.kind).toBe('device');
    expect(record.pid).toBeGreaterThan(0);
    expect(machine.console!('g')).toEqual([]);
    machine.fs.rmdir('sys/fs/parker/g');
    expect(fs.existsSync(path.join(root, 'run/parker/partitions/g'))).toBe(false);
  });
});
