import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBzImage } from '../src/machines/sim/bzimage.js';
import { runCli } from './run-cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-cli-sim-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Show {
  description: string;
  cmdline: string;
  cpus: { possible: number; online: number };
  pools: { name: string }[];
  partitions: { name: string }[];
}

const show = async (stateDir: string) => JSON.parse((await runCli('sim', 'show', '--state-dir', stateDir, '-o', 'json')).stdout) as Show;

describe('parker sim', () => {
  it('creates a machine from a synthetic description with its own boot command line', async () => {
    const dir = path.join(tmp, 'synthetic');
    const r = await runCli('sim', 'create', '--synthetic', 'pack:1 numa:2 core:4 pu:2 mem:8G', '--cmdline', 'ro parker_cma=0:2G,1:2G', '--state-dir', dir);
    expect(r.code).toBe(0);
    const s = await show(dir);
    expect(s.description).toBe('simulated synthetic "pack:1 numa:2 core:4 pu:2 mem:8G"');
    expect(s.cpus).toEqual({ possible: 16, online: 16 });
    expect(s.pools.map((p) => p.name)).toEqual(['parker0', 'parker1']);
  });

  it('says when making the machine anew ends partitions that ran on it (create and reset alike)', async () => {
    const dir = path.join(tmp, 'anew');
    expect((await runCli('apply', 'examples/default.yaml', '--state-dir', dir)).code).toBe(0);
    for (const args of [['sim', 'reset'], ['sim', 'create']]) {
      const r = await runCli(...args, '--state-dir', dir);
      expect(r.code).toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(/the machine was made anew: its partitions (db|web|batch), .* and its applied layout are gone/);
      expect((await show(dir)).partitions).toEqual([]);
      expect((await runCli('apply', 'examples/default.yaml', '--state-dir', dir)).code).toBe(0);
    }
    // Nothing ran on it: nothing to say.
    expect((await runCli('sim', 'create', '--state-dir', path.join(tmp, 'anew-empty'))).stderr).toBe('');
  });

  it('says why Parker is off: no parker_cma=, or one no node could hold (with the kernel\'s words)', async () => {
    const none = await runCli('sim', 'create', '--synthetic', 'pack:1 numa:2 core:2 mem:4G', '--cmdline', 'ro', '--state-dir', path.join(tmp, 'none'));
    expect(none.stdout).toContain('no parker_cma= on the boot command line: Parker is disabled');
    const big = await runCli('sim', 'create', '--synthetic', 'pack:1 numa:2 core:2 mem:4G', '--cmdline', 'ro parker_cma=16G', '--state-dir', path.join(tmp, 'big'));
    expect(big.code).toBe(0);
    expect(big.stdout).toContain('parker_cma=16G reserved no pool: Parker is disabled');
    expect(big.stdout).toContain('parker: reservation failed - err -12, node 1');
    expect(big.stdout).not.toContain('no parker_cma= on the boot command line');
  });

  it('creates one from a gathered snapshot, and reset keeps its source even when the file is gone', async () => {
    const archive = path.join(tmp, 'qemu-copy.tar.gz');
    fs.copyFileSync('test/fixtures/qemu-q35-2node.tar.gz', archive);
    const dir = path.join(tmp, 'archive');
    expect((await runCli('sim', 'create', '--from', archive, '--cmdline', 'console=ttyS0 parker_cma=1:1G', '--state-dir', dir)).code).toBe(0);
    fs.rmSync(archive);
    expect((await runCli('sim', 'reset', '--state-dir', dir)).code).toBe(0);
    const s = await show(dir);
    expect(s.description).toBe('simulated snapshot qemu-copy.tar.gz');
    expect(s.cmdline).toBe('console=ttyS0 parker_cma=1:1G');
    expect(s.cpus.possible).toBe(8);
    expect(s.pools.map((p) => p.name)).toEqual(['parker1']);
  });

  it('refuses two sources and an unknown injection', async () => {
    const both = await runCli('sim', 'create', '--synthetic', 'pack:1 core:2', '--root', tmp, '--state-dir', path.join(tmp, 'x'));
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('choose one source');
    const inject = await runCli('sim', 'inject', 'db', 'meltdown', '--state-dir', path.join(tmp, 'x'));
    expect(inject.code).toBe(2);
    expect(inject.stderr).toContain('unknown injection "meltdown"');
  });

  it('writes a test image that passes the bzImage checks', async () => {
    const file = path.join(tmp, 'vmlinuz');
    expect((await runCli('sim', 'image', '-f', file, '--kernel-version', '6.12.0-test')).code).toBe(0);
    const header = parseBzImage(fs.readFileSync(file));
    expect([header.relocatable, header.kernel64, header.version]).toEqual([true, true, 0x020f]);
  });

  it('runs the demo end to end on a fresh state directory', async () => {
    const dir = path.join(tmp, 'demo');
    const r = await runCli('demo', '--state-dir', dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('done: 27 steps');
    expect(r.stdout).toContain('Linux version 6.1.0-parker');
    expect((await show(dir)).partitions.map((p) => p.name).sort()).toEqual(['batch', 'db', 'web']);
  });
});
