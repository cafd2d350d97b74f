import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from './run-cli.js';
import { createSim } from '../src/service/sim.js';
import { consoleLines } from '../src/machines/host/console-reader.js';
import { PartitionRecords } from '../src/machines/host/partition-records.js';

// Links, FIFOs and devices put where parker keeps its state: parker writes nothing through them,
// never waits on them, and says what it found with a stable code.

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-hostile-state-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
let n = 0;
const DEFAULT_LAYOUT = path.resolve('examples/default.yaml');

function simDir(): string {
  const dir = path.join(scratch, `s${n++}`);
  createSim(dir, { source: { kind: 'default' }, now: new Date('2026-12-07T12:00:00Z') });
  return dir;
}

function victim(text: string): string {
  const file = path.join(scratch, `victim${n++}.txt`);
  fs.writeFileSync(file, text);
  return file;
}

const mkfifo = (file: string) => execFileSync('mkfifo', [file]);

function expectClearError(r: CliResult, code: string): void {
  expect(r.code, r.stderr).not.toBe(0);
  expect(r.stderr).toContain(`error ${code}: `);
  expect(r.stderr).not.toContain('internal error');
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('state files replaced by links', () => {
  it('a journal that is a link is refused, and the file it points at is left as it was', async () => {
    const dir = simDir();
    expect((await runCli('apply', DEFAULT_LAYOUT, '--state-dir', dir, '--yes')).code).toBe(0);
    const target = victim('precious data without newline');
    fs.rmSync(path.join(dir, 'journal.jsonl'));
    fs.symlinkSync(target, path.join(dir, 'journal.jsonl'));
    const r = await runCli('stop', 'batch', '--state-dir', dir, '--yes');
    expectClearError(r, 'E_STATE_CORRUPT');
    expect(r.stderr).toContain('a symbolic link');
    expect(fs.readFileSync(target, 'utf8')).toBe('precious data without newline');
  });

  it("the simulator's op log as a link is neither cut nor appended to", async () => {
    const dir = simDir();
    expect((await runCli('apply', DEFAULT_LAYOUT, '--state-dir', dir, '--yes')).code).toBe(0);
    const log = path.join(dir, 'sim', 'ops.log');
    const target = victim(fs.readFileSync(log, 'utf8') + 'a torn line');
    fs.rmSync(log);
    fs.symlinkSync(target, log);
    const before = fs.readFileSync(target, 'utf8');
    expectClearError(await runCli('status', '--state-dir', dir), 'E_STATE_CORRUPT');
    expectClearError(await runCli('stop', 'batch', '--state-dir', dir, '--yes'), 'E_STATE_CORRUPT');
    expect(fs.readFileSync(target, 'utf8')).toBe(before);
  });

  it('a link or a FIFO where applied.json is written first is replaced, not written through or waited on', async () => {
    const dir = simDir();
    const target = victim('not parker\'s');
    fs.symlinkSync(target, path.join(dir, 'applied.json.tmp'));
    expect((await runCli('apply', DEFAULT_LAYOUT, '--state-dir', dir, '--yes')).code).toBe(0);
    expect(fs.readFileSync(target, 'utf8')).toBe('not parker\'s');
    expect(fs.lstatSync(path.join(dir, 'applied.json')).isFile()).toBe(true);
    const other = simDir();
    mkfifo(path.join(other, 'applied.json.tmp'));
    expect((await runCli('apply', DEFAULT_LAYOUT, '--state-dir', other, '--yes')).code).toBe(0);
    expect(fs.lstatSync(path.join(other, 'applied.json')).isFile()).toBe(true);
  });
});

describe('a simulated machine that lost its snapshot', () => {
  async function fromSnapshot(): Promise<string> {
    const dir = path.join(scratch, `snap${n++}`);
    expect((await runCli('sim', 'create', '--from', 'test/fixtures/qemu-q35-2node.tar.gz', '--cmdline', 'console=ttyS0 parker_cma=1:1G', '--state-dir', dir)).code).toBe(0);
    return dir;
  }

  it('says so, with E_SIM_STATE, when its copy is gone, a FIFO or a device', async () => {
    for (const damage of ['missing', 'fifo', 'device'] as const) {
      const dir = await fromSnapshot();
      const copy = path.join(dir, 'sim', 'source.tar.gz');
      fs.rmSync(copy);
      if (damage === 'fifo') mkfifo(copy);
      if (damage === 'device') fs.symlinkSync('/dev/zero', copy);
      for (const args of [['sim', 'reset'], ['status']]) {
        const r = await runCli(...args, '--state-dir', dir);
        expectClearError(r, 'E_SIM_STATE');
        expect(r.stderr).toContain('lost its source snapshot');
      }
    }
  });
});

describe('the daemon token', () => {
  it('a FIFO or a device in its place is refused at once, not read', async () => {
    for (const make of [mkfifo, (file: string) => fs.symlinkSync('/dev/zero', file)]) {
      const dir = simDir();
      make(path.join(dir, 'api-token'));
      const r = await runCli('api', 'POST', 'apply', '--data', '{}', '--state-dir', dir);
      expectClearError(r, 'E_DAEMON');
      expect(r.stderr).toContain('token file');
      expect(r.stderr).toContain('fix: remove it: the daemon makes a new one');
    }
  });
});

describe("a host kernel's console and records", () => {
  it('a FIFO as the console source shows nothing at once; a log of more than 64 MiB since the start is refused, not cut', () => {
    const dir = path.join(scratch, `records${n++}`);
    const records = new PartitionRecords(dir, (name) => path.join(scratch, 'no-such-parker', name));
    const write = (source: string, offset: number) => {
      fs.mkdirSync(records.of('db'), { recursive: true });
      fs.writeFileSync(path.join(records.of('db'), 'console.json'), JSON.stringify({ source, kind: 'file', offset, pid: null }) + '\n');
    };
    const fifo = path.join(scratch, `console${n++}.fifo`);
    mkfifo(fifo);
    write(fifo, 0);
    expect(consoleLines(records, 'db')).toEqual([]);

    // Every line from the start on, and one more each time one is added: followers count them.
    const log = path.join(scratch, `console${n++}.log`);
    fs.writeFileSync(log, 'before the start\none\ntwo\n');
    write(log, 'before the start\n'.length);
    expect(consoleLines(records, 'db')).toEqual(['one', 'two']);
    fs.appendFileSync(log, 'three\n');
    expect(consoleLines(records, 'db')).toEqual(['one', 'two', 'three']);
    // Over the limit (a sparse file): a clear error, no partial window.
    fs.truncateSync(log, (64 << 20) + 100);
    expect(() => consoleLines(records, 'db')).toThrow(/holds more than 64 MiB since its start/);
  });
});

describe('a hardware record that is not one', () => {
  it('refuses a snapshot whose metadata has a malformed hardware record (E_SNAPSHOT), packed or unpacked', async () => {
    const tree = path.join(scratch, `tree${n++}`);
    fs.mkdirSync(tree);
    execFileSync('tar', ['-xzf', 'test/fixtures/qemu-q35-2node.tar.gz', '-C', tree]);
    const meta = path.join(tree, 'parker-gather.json');
    expect(fs.existsSync(meta)).toBe(true);
    const data = JSON.parse(fs.readFileSync(meta, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(meta, JSON.stringify({ ...data, hardware: {} }));
    const r = await runCli('plan', DEFAULT_LAYOUT, '--root', tree);
    expectClearError(r, 'E_SNAPSHOT');
    expect(r.stderr).toContain('malformed hardware record');
    const packed = path.join(scratch, `bad-hw${n++}.tar.gz`);
    execFileSync('tar', ['-czf', packed, '-C', tree, '.']);
    expectClearError(await runCli('plan', DEFAULT_LAYOUT, '--from', packed), 'E_SNAPSHOT');
  });
});

describe('partition names that are paths', () => {
  it('name no partition, anywhere a name becomes a path', async () => {
    const dir = path.join(scratch, `records${n++}`);
    const records = new PartitionRecords(dir, (name) => path.join(scratch, 'no-such-parker', name));
    // A record elsewhere that a "../" name would reach.
    const elsewhere = path.join(scratch, `elsewhere${n++}`);
    fs.mkdirSync(elsewhere);
    const secret = victim('secret line\n');
    fs.writeFileSync(path.join(elsewhere, 'console.json'), JSON.stringify({ source: secret, kind: 'file', offset: 0, pid: null }));
    const sneaky = path.relative(dir, elsewhere);
    expect(sneaky.startsWith('..')).toBe(true);
    for (const name of [sneaky, '..', '.', 'a/b', 'a\0b', '']) {
      expect(() => consoleLines(records, name), JSON.stringify(name)).toThrow(/no partition named/);
    }
    const sim = simDir();
    const r = await runCli('console', '../../etc', '--state-dir', sim);
    expectClearError(r, 'E_NOT_FOUND');
  });
});

describe("a layout's config files", () => {
  function layoutNaming(configs: string[]): string {
    const kernels = configs.map((config, i) => `  - name: k${i}\n    cpus: { count: 2 }\n    memory: 1G\n    image: /boot/vmlinuz-parker\n    config: ${config}\n`).join('');
    const file = path.join(scratch, `configs${n++}.yaml`);
    fs.writeFileSync(file, `apiVersion: parker/v1alpha1\nkind: Layout\nmetadata:\n  name: configs\nkernels:\n${kernels}`);
    return file;
  }
  const sparse = (size: number) => {
    const file = path.join(scratch, `config${n++}`);
    fs.writeFileSync(file, '');
    fs.truncateSync(file, size);
    return file;
  };

  it('reads a file many kernels name once, and refuses more than 128 MiB of distinct ones together', async () => {
    const dir = simDir();
    // 20 kernels naming one 8 MiB file: 8 MiB read, not 160.
    const shared = sparse(8 << 20);
    const once = await runCli('validate', layoutNaming(Array(20).fill(shared)), '--state-dir', dir);
    expect(once.stderr).not.toContain('E_TOO_BIG');
    expect(once.stdout).toContain('configs');
    // 17 distinct ones of 8 MiB: 136 MiB.
    const many = await runCli('validate', layoutNaming(Array.from({ length: 17 }, () => sparse(8 << 20))), '--state-dir', dir);
    expectClearError(many, 'E_TOO_BIG');
    expect(many.stderr).toContain('config files come to more than 128 MiB together');
  });
});

describe('a state directory that cannot be one', () => {
  it('is refused with E_USAGE before anything is written: empty, a link to nothing, under a file, a link into /sys', async () => {
    const base = path.join(scratch, `dirs${n++}`);
    fs.mkdirSync(base);
    fs.symlinkSync(path.join(base, 'nowhere'), path.join(base, 'dangling'));
    fs.writeFileSync(path.join(base, 'afile'), '');
    fs.symlinkSync('/sys/kernel', path.join(base, 'sysln'));
    const cases: [string, string][] = [
      ['', '--state-dir is empty'],
      [path.join(base, 'dangling'), 'is a link to nothing'],
      [path.join(base, 'dangling', 'sub'), 'is a link to nothing'],
      [path.join(base, 'afile', 'sub'), 'afile is not a directory'],
      [path.join(base, 'sysln'), 'is inside /proc, /sys or /dev'],
      [path.join(base, 'sysln', 'parker'), 'is inside /proc, /sys or /dev'],
      ['/dev/parker-state', 'is inside /proc, /sys or /dev'],
    ];
    for (const [dir, words] of cases) {
      for (const args of [['sim', 'create'], ['apply', DEFAULT_LAYOUT, '--yes'], ['status']]) {
        const r = await runCli(...args, '--state-dir', dir);
        expect(r.code, `${args[0]} ${dir}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toContain('error E_USAGE: ');
        expect(r.stderr).toContain(words);
      }
    }
    expect(fs.readdirSync(base).sort()).toEqual(['afile', 'dangling', 'sysln']);
    expect(fs.existsSync(path.join(base, 'nowhere'))).toBe(false);
  });

  it('may be on /dev/shm, a tmpfs like any other', async () => {
    const dir = fs.mkdtempSync('/dev/shm/parker-state-');
    try {
      const r = await runCli('sim', 'create', '--state-dir', dir);
      expect(r.code, r.stderr).toBe(0);
      expect(fs.readdirSync(dir)).toContain('sim');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('console --follow refuses a --poll that is not a positive whole number, instead of spinning', async () => {
    const dir = simDir();
    for (const poll of ['abc', '0', '-5', '1.5', '99999999999']) {
      const r = await runCli('console', 'db', '--follow', '--poll', poll, '--state-dir', dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--poll "${poll}" is not a positive whole number up to 2147483647`);
    }
  });
});

describe('files a user names for parker to write', () => {
  it('replace a link to a file rather than write through it, write to a stream, refuse a directory, and keep out of the state directory', async () => {
    const dir = simDir();
    const out = path.join(scratch, `outputs${n++}`);
    fs.mkdirSync(out);
    const target = victim('not a plan');
    fs.symlinkSync(target, path.join(out, 'plan.json'));
    fs.symlinkSync(target, path.join(out, 'snap.tar.gz'));
    fs.mkdirSync(path.join(out, 'adir'));

    expect((await runCli('plan', DEFAULT_LAYOUT, '--out', path.join(out, 'plan.json'), '--state-dir', dir)).code).toBe(0);
    expect((await runCli('gather', '-f', path.join(out, 'snap.tar.gz'), '--machine', 'sim', '--state-dir', dir)).code).toBe(0);
    expect(fs.readFileSync(target, 'utf8')).toBe('not a plan');
    expect(fs.lstatSync(path.join(out, 'plan.json')).isFile()).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'plan.json'), 'utf8')).schema).toBe('parker.saved-plan/v1');
    expect(fs.lstatSync(path.join(out, 'snap.tar.gz')).isFile()).toBe(true);

    // A FIFO (as a shell's >(...) or /dev/stdout is) is written to, as a redirection would.
    const fifo = path.join(out, 'fifo.json');
    mkfifo(fifo);
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    let read = '';
    reader.stdout.on('data', (d: Buffer) => (read += d.toString()));
    const done = new Promise((resolve) => reader.once('close', resolve));
    expect((await runCli('plan', DEFAULT_LAYOUT, '--out', fifo, '--state-dir', dir)).code).toBe(0);
    await done;
    expect(JSON.parse(read).schema).toBe('parker.saved-plan/v1');

    for (const args of [
      ['plan', DEFAULT_LAYOUT, '--out', path.join(out, 'adir'), '--state-dir', dir],
      ['sim', 'image', '-f', path.join(out, 'adir')],
    ]) {
      expectClearError(await runCli(...args), 'E_IO');
    }
    // Inside the state directory, by its name or through a link to it.
    fs.symlinkSync(dir, path.join(out, 'state-link'));
    fs.symlinkSync(path.join(dir, 'sim'), path.join(out, 'sim-link'));
    const stateFiles = fs.readdirSync(dir).sort();
    // (The last one by its text is in out/, but open(2) follows sim-link before the `..`.)
    for (const inside of [path.join(dir, 'journal.jsonl'), path.join(out, 'state-link', 'applied.json'), `${out}/sim-link/../journal.jsonl`]) {
      const r = await runCli('plan', DEFAULT_LAYOUT, '--out', inside, '--state-dir', dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--out ${inside} is inside the state directory`);
    }
    // The same for a snapshot. (A test kernel image may go there: the simulated machine's /boot
    // is the state directory's sim/files/boot, docs/simulator.md.)
    for (const inside of [path.join(dir, 'journal.jsonl'), path.join(out, 'sim-link', 'machine.json')]) {
      const gather = await runCli('gather', '--machine', 'sim', '--state-dir', dir, '-f', inside);
      expect(gather.code, gather.stderr).toBe(2);
      expect(gather.stderr).toContain(`-f ${inside} is inside the state directory`);
    }
    const image = path.join(dir, 'sim', 'files', 'boot', 'vmlinuz-custom');
    expect((await runCli('sim', 'image', '-f', image, '--kernel-version', '6.9.0-custom')).code).toBe(0);
    fs.rmSync(image);
    // A state directory that cannot be one protects nothing, and does not stop a gather.
    const previous = process.env.PARKER_STATE_DIR;
    process.env.PARKER_STATE_DIR = path.join(out, 'plan.json', 'below-a-file');
    try {
      const synthetic = await runCli('gather', '--synthetic', 'pack:1 core:2 pu:2 mem:4G', '-f', path.join(out, 'synthetic.tar.gz'));
      expect(synthetic.code, synthetic.stderr).toBe(0);
      fs.rmSync(path.join(out, 'synthetic.tar.gz'));
    } finally {
      if (previous === undefined) delete process.env.PARKER_STATE_DIR;
      else process.env.PARKER_STATE_DIR = previous;
    }
    expect(fs.readdirSync(dir).sort()).toEqual(stateFiles);
    // Nothing is left beside them.
    expect(fs.readdirSync(out).sort()).toEqual(['adir', 'fifo.json', 'plan.json', 'sim-link', 'snap.tar.gz', 'state-link']);
  });
});

describe('making a simulated machine anew', () => {
  it('removes nothing that is not parker\'s: sim/ holding someone\'s file is refused, and nothing changes', async () => {
    const dir = simDir();
    expect((await runCli('apply', DEFAULT_LAYOUT, '--state-dir', dir, '--yes')).code).toBe(0);
    fs.writeFileSync(path.join(dir, 'sim', 'precious.txt'), 'mine');
    const before = fs.readFileSync(path.join(dir, 'applied.json'), 'utf8');
    const r = await runCli('sim', 'create', '--state-dir', dir);
    expectClearError(r, 'E_SIM_STATE');
    expect(r.stderr).toContain('precious.txt');
    expect(fs.readFileSync(path.join(dir, 'sim', 'precious.txt'), 'utf8')).toBe('mine');
    expect(fs.readFileSync(path.join(dir, 'applied.json'), 'utf8')).toBe(before);
    // Its own files, even damaged ones, it replaces.
    fs.rmSync(path.join(dir, 'sim', 'precious.txt'));
    fs.writeFileSync(path.join(dir, 'sim', 'machine.json'), '{ damaged');
    expect((await runCli('sim', 'create', '--state-dir', dir)).code).toBe(0);
  });
});
