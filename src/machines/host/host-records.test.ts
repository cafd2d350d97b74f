import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostMachine } from './host-machine.js';
import { PartitionRecords } from './partition-records.js';
import { stopConsole } from './console-reader.js';
import { processStartTime } from '../../apply/process-identity.js';

// parker's records of a host's partitions (run/parker/partitions under the root) stay inside
// the root, and a record on disk never makes parker signal a process it did not start.

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-host-records-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
let n = 0;

/** A copied root with one partition whose `online` is a plain file, and `run` linked out of the root. */
function rootWithRunOutside(): { root: string; outside: string } {
  const root = path.join(scratch, `root${n++}`);
  const dir = path.join(root, 'sys/fs/parker/p');
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, value] of [['id', '1'], ['cpus', '2-3'], ['memory', '1073741824@0x100000000'], ['online', '0']] as const) fs.writeFileSync(path.join(dir, file), `${value}\n`);
  const outside = path.join(scratch, `outside${n++}`);
  fs.mkdirSync(path.join(outside, 'parker/partitions/p'), { recursive: true });
  fs.writeFileSync(path.join(outside, 'parker/partitions/p/keep.txt'), 'not parker\'s');
  fs.symlinkSync(outside, path.join(root, 'run'));
  return { root, outside };
}

describe("a host's partition records", () => {
  it('are refused when run/ links out of the root: starting and removing a partition write and remove nothing there', () => {
    const { root, outside } = rootWithRunOutside();
    const machine = hostMachine(root, true);
    expect(() => machine.fs.write('sys/fs/parker/p/online', '1')).toThrow(/leads out of/);
    expect(() => machine.fs.rmdir('sys/fs/parker/p')).toThrow(/leads out of/);
    // The partition is still there, and so is everything outside.
    expect(fs.readFileSync(path.join(root, 'sys/fs/parker/p/online'), 'utf8')).toBe('0\n');
    expect(fs.readdirSync(path.join(outside, 'parker/partitions/p'))).toEqual(['keep.txt']);
  });

  it("are refused when one partition's own directory links out of the root", () => {
    const root = path.join(scratch, `root${n++}`);
    const dir = path.join(root, 'sys/fs/parker/p');
    fs.mkdirSync(dir, { recursive: true });
    for (const [file, value] of [['id', '1'], ['cpus', '2-3'], ['memory', '1073741824@0x100000000'], ['online', '0']] as const) fs.writeFileSync(path.join(dir, file), `${value}\n`);
    const outside = path.join(scratch, `outside${n++}`);
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'keep.txt'), "not parker's");
    fs.mkdirSync(path.join(root, 'run/parker/partitions'), { recursive: true });
    fs.symlinkSync(outside, path.join(root, 'run/parker/partitions/p'));
    const machine = hostMachine(root, true);
    expect(() => machine.fs.write('sys/fs/parker/p/online', '1')).toThrow(/leads out of/);
    expect(() => machine.fs.rmdir('sys/fs/parker/p')).toThrow(/leads out of/);
    expect(fs.readFileSync(path.join(dir, 'online'), 'utf8')).toBe('0\n');
    expect(fs.readdirSync(outside)).toEqual(['keep.txt']);
  });

  it('write their own files anew, never through a link planted among them, and call a link to nothing by its name', () => {
    const root = path.join(scratch, `root${n++}`);
    const dir = path.join(root, 'sys/fs/parker/p');
    fs.mkdirSync(dir, { recursive: true });
    for (const [file, value] of [['id', '1'], ['cpus', '2-3'], ['memory', '1073741824@0x100000000'], ['online', '0']] as const) fs.writeFileSync(path.join(dir, file), `${value}\n`);
    const records = path.join(root, 'run/parker/partitions');
    fs.mkdirSync(path.join(records, 'p'), { recursive: true });
    const victim = path.join(scratch, `victim${n++}`);
    fs.writeFileSync(victim, 'precious');
    fs.symlinkSync(victim, path.join(records, 'p/start.json.tmp'));
    fs.symlinkSync(victim, path.join(records, 'p/status.err'));
    fs.symlinkSync(victim, path.join(records, 'p/status.tmp'));
    const machine = hostMachine(root, true);
    machine.fs.write('sys/fs/parker/p/online', '1');
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious');
    expect(fs.readFileSync(path.join(records, 'p/status'), 'utf8')).toBe('0\n');
    expect(JSON.parse(fs.readFileSync(path.join(records, 'p/start.json'), 'utf8'))).toMatchObject({ ino: fs.statSync(dir).ino });
    // A partition's record directory that is a link to nothing: refused in words, not an internal error.
    fs.rmSync(path.join(records, 'p'), { recursive: true });
    fs.symlinkSync(path.join(root, 'nowhere'), path.join(records, 'p'));
    expect(() => machine.fs.write('sys/fs/parker/p/online', '1')).toThrow(/is a link to nothing/);
  });

  it('end a reader recorded before start times were only when it still runs the reader (cat SOURCE)', async () => {
    const records = new PartitionRecords(path.join(scratch, `records${n++}`), (name) => path.join(scratch, 'no-parker', name));
    const fifo = path.join(scratch, `console-fifo${n++}`);
    execFileSync('mkfifo', [fifo]);
    // cat blocks opening a FIFO nobody writes: a reader that stays up, as on a quiet serial port.
    const child = spawn('cat', [fifo], { detached: true, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const record = (fields: Record<string, unknown>) => {
      fs.mkdirSync(records.of('db'), { recursive: true });
      fs.writeFileSync(path.join(records.of('db'), 'console.json'), JSON.stringify({ kind: 'device', offset: 0, pid: child.pid, ...fields }));
    };
    try {
      await new Promise((r) => setTimeout(r, 100));
      record({ source: '/dev/ttyS9' }); // another source: not this reader
      stopConsole(records, 'db');
      await new Promise((r) => setTimeout(r, 100));
      expect(child.exitCode).toBeNull();
      expect(child.signalCode).toBeNull();
      // The same command, but someone's own: a shell's job leads its process group, not its session. Left alone.
      const someones = spawn('perl', ['-e', 'setpgrp(0, 0); exec "cat", $ARGV[0]', fifo], { stdio: 'ignore' });
      try {
        await new Promise((r) => setTimeout(r, 100));
        fs.mkdirSync(records.of('web'), { recursive: true });
        fs.writeFileSync(path.join(records.of('web'), 'console.json'), JSON.stringify({ kind: 'device', offset: 0, pid: someones.pid, source: fifo }));
        stopConsole(records, 'web');
        await new Promise((r) => setTimeout(r, 100));
        expect(someones.exitCode).toBeNull();
        expect(someones.signalCode).toBeNull();
      } finally {
        someones.kill('SIGKILL');
      }
      // A record written long after the process started is not the record of its start.
      record({ source: fifo });
      const later = new Date(Date.now() + 3600_000);
      fs.utimesSync(path.join(records.of('db'), 'console.json'), later, later);
      stopConsole(records, 'db');
      await new Promise((r) => setTimeout(r, 100));
      expect(child.exitCode).toBeNull();
      expect(child.signalCode).toBeNull();
      record({ source: fifo });
      stopConsole(records, 'db');
      expect(await exited).toBe('SIGTERM');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it('end a console reader only when it is the process they recorded', async () => {
    const records = new PartitionRecords(path.join(scratch, `records${n++}`), (name) => path.join(scratch, 'no-parker', name));
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const pid = child.pid!;
    const record = (fields: Record<string, unknown>) => {
      fs.mkdirSync(records.of('db'), { recursive: true });
      fs.writeFileSync(path.join(records.of('db'), 'console.json'), JSON.stringify({ source: '/dev/ttyS9', kind: 'device', offset: 0, ...fields }));
    };
    try {
      // A pid with another start time (a reused pid), or none recorded: left alone. (Records
      // naming pid 1 or -1 are refused by the same check, pid > 1; not tried here: a parker
      // without it would signal every process of the machine running the tests.)
      for (const fields of [{ pid, started: '1' }, { pid }, { pid, started: null }]) {
        record(fields);
        stopConsole(records, 'db');
        await new Promise((r) => setTimeout(r, 100));
        expect(child.exitCode, JSON.stringify(fields)).toBeNull();
        expect(child.signalCode).toBeNull();
      }
      // The reader it started: ended.
      record({ pid, started: processStartTime(pid) });
      stopConsole(records, 'db');
      expect(await exited).toBe('SIGTERM');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
