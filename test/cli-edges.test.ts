import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-edges-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('the CLI at its edges', () => {
  it('switching layouts stops the kernels of the earlier one with their own stop commands', async () => {
    const dir = path.join(tmp, 'switch');
    expect((await runCli('apply', 'examples/default.yaml', '--state-dir', dir)).code).toBe(0);
    const r = await runCli('apply', 'examples/profile-latency.yaml', '--state-dir', dir);
    expect(r.stdout).toContain('run ssh root@db.lab poweroff');
    expect(r.code).toBe(0);
    const status = JSON.parse((await runCli('status', '--state-dir', dir, '-o', 'json')).stdout) as { partitions: { name: string; online: boolean }[] };
    expect(status.partitions.every((p) => p.online)).toBe(true);
    expect(status.partitions.map((p) => p.name)).not.toContain('batch');
  });

  it('never replaces files it did not write: a state directory with a foreign sim/ is refused', async () => {
    const dir = path.join(tmp, 'foreign');
    fs.mkdirSync(path.join(dir, 'sim'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'sim', 'notes.txt'), 'mine\n');
    const r = await runCli('status', '--state-dir', dir);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('E_SIM_STATE');
    expect(fs.readFileSync(path.join(dir, 'sim', 'notes.txt'), 'utf8')).toBe('mine\n');
  });

  it('refuses a state directory inside /proc, and a file as state directory', async () => {
    expect((await runCli('status', '--state-dir', '/proc/parker-state')).code).toBe(2);
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, '');
    const r = await runCli('status', '--state-dir', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a directory');
  });

  it('commands that change a machine refuse one that can only be described, before any journal', async () => {
    const dir = path.join(tmp, 'readonly');
    const r = await runCli('apply', 'examples/default.yaml', '--synthetic', 'pack:1 core:4 pu:2 mem:8G', '--state-dir', dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('can only be described');
    expect(fs.existsSync(path.join(dir, 'journal.jsonl'))).toBe(false);
    expect((await runCli('destroy', '--all', '--from', 'test/fixtures/qemu-q35-2node.tar.gz', '--state-dir', dir)).code).toBe(2);
  });

  it('says what is wrong in the words the user typed: destroy NAME --all, discover -i', async () => {
    const both = await runCli('destroy', 'db', '--all');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("give a partition's name (db) or --all, not both");
    const input = await runCli('discover', '-i', '/nonexistent/machine.xml');
    expect(input.code).toBe(2);
    expect(input.stderr).toContain('error E_MACHINE: -i /nonexistent/machine.xml: no such file or directory');
  });

  it('console of a kernel of the applied layout that has no partition says so, and how to get one', async () => {
    const dir = path.join(tmp, 'console-destroyed');
    expect((await runCli('apply', 'examples/default.yaml', '--state-dir', dir)).code).toBe(0);
    expect((await runCli('destroy', 'web', '--state-dir', dir)).code).toBe(0);
    const web = await runCli('console', 'web', '--state-dir', dir);
    expect(web.code).toBe(2);
    expect(web.stderr).toContain('error E_NOT_FOUND: web has no partition on simulated default server: it is a kernel of the applied layout, destroyed or not started since');
    expect(web.stderr).toContain('fix: start it (parker start web)');
    const nosuch = await runCli('console', 'nosuch', '--state-dir', dir);
    expect(nosuch.code).toBe(2);
    expect(nosuch.stderr).toContain('error E_NOT_FOUND: no partition named nosuch');
    // A damaged applied layout changes nothing here: the same error, without the layout's word.
    fs.writeFileSync(path.join(dir, 'applied.json'), '{ damaged');
    expect((await runCli('console', 'web', '--state-dir', dir)).stderr).toContain('error E_NOT_FOUND: no partition named web');
  });

  it('status of a machine with no /sys/fs/parker says why it shows no partitions', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-no-parkerfs-'));
    try {
      fs.mkdirSync(path.join(root, 'sys'));
      fs.mkdirSync(path.join(root, 'proc'));
      const r = await runCli('status', '--root', root, '--state-dir', path.join(root, 'state'));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('has no /sys/fs/parker');
      const sim = await runCli('status');
      expect(sim.stdout).not.toContain('has no /sys/fs/parker');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('usage mistakes in subcommands exit 2 with a code and a fix', async () => {
    const r = await runCli('sim', 'inject', 'db');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("E_USAGE: missing required argument 'what'");
    expect(r.stderr).toContain('fix: see parker sim inject --help');
    const flag = await runCli('discover', '--bogus');
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("E_USAGE: unknown option '--bogus'");
  });

  it('sim create from files that are not there names them', async () => {
    const from = await runCli('sim', 'create', '--from', path.join(tmp, 'none.tar.gz'), '--state-dir', path.join(tmp, 'c1'));
    expect(from.code).toBe(2);
    expect(from.stderr).toContain('E_MACHINE: --from');
    const root = await runCli('sim', 'create', '--root', path.join(tmp, 'none'), '--state-dir', path.join(tmp, 'c2'));
    expect(root.code).toBe(2);
    expect(root.stderr).toContain('E_MACHINE: --root');
  });
});
