import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { runCli } from './run-cli.js';

async function runAt(now: string, ...args: string[]) {
  let stdout = '';
  const code = await main(['node', 'parker', ...args], { out: (t) => (stdout += t), err: () => undefined, now: () => new Date(now) });
  return { code, stdout };
}

describe('what commands say', () => {
  it('a no-op apply keeps the time the layout was applied', async () => {
    expect((await runCli('sim', 'create')).code).toBe(0);
    expect((await runAt('2026-01-01T00:00:00Z', 'apply', 'examples/default.yaml')).code).toBe(0);
    const again = await runAt('2026-06-01T00:00:00Z', 'apply', 'examples/default.yaml', '-o', 'json');
    expect(JSON.parse(again.stdout).outcome).toBe('no-changes');
    const status = JSON.parse((await runCli('status', '-o', 'json')).stdout);
    expect(status.layout.appliedAt).toBe('2026-01-01T00:00:00.000Z');
  });

  it('an apply that runs steps (the same layout, its kernels destroyed) is applied now', async () => {
    expect((await runCli('destroy', '--all')).code).toBe(0);
    expect((await runAt('2026-07-01T00:00:00Z', 'apply', 'examples/default.yaml')).code).toBe(0);
    expect(JSON.parse((await runCli('status', '-o', 'json')).stdout).layout.appliedAt).toBe('2026-07-01T00:00:00.000Z');
  });

  it('validate and plan of a saved plan say it is one, and how to apply it', async () => {
    const saved = path.join(os.tmpdir(), `parker-wording-${process.pid}.plan.json`);
    try {
      expect((await runCli('plan', 'examples/default.yaml', '--out', saved)).code).toBe(0);
      for (const command of ['validate', 'plan']) {
        const r = await runCli(command, saved);
        expect(r.code, command).toBe(2);
        expect(r.stderr).toBe(`error E_USAGE: ${saved} is a plan saved by \`parker plan --out\`, not a layout\n  fix: apply it: parker apply ${saved}; validate and plan take the layout it was made from (examples/default.yaml)\n`);
      }
    } finally {
      fs.rmSync(saved, { force: true });
    }
  });

  it('apply --dry-run of an applied layout says nothing would change, and notes no unfinished transaction', async () => {
    const r = await runCli('apply', 'examples/default.yaml', '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no changes');
    expect(r.stderr).toBe('');
  });

  it('on the simulator a stop command is marked simulated where it shows', async () => {
    const status = JSON.parse((await runCli('status', '-o', 'json')).stdout) as { partitions: { name: string }[] };
    const withStop = [];
    for (const p of status.partitions) if (JSON.parse((await runCli('status', p.name, '-o', 'json')).stdout).layout?.stop) withStop.push(p.name);
    expect(withStop.length).toBeGreaterThan(0);
    const r = await runCli('stop', withStop[0]!);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok \[1\/\d+\] .*: run .* \(simulated\) \(/m);
    expect((await runCli('start', withStop[0]!)).code).toBe(0);
  });

  it('destroy --all unloads the last kexec image, which points into memory given back', async () => {
    const loaded = async () => JSON.parse((await runCli('sim', 'show', '-o', 'json')).stdout).kexecLoaded !== null;
    expect(await loaded()).toBe(true);
    const r = await runCli('destroy', '--all');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok \[\d+\/\d+\] boot: kexec unload/m);
    expect(await loaded()).toBe(false);
    expect((await runCli('apply', 'examples/default.yaml')).code).toBe(0);
  });

  it('sim inject reports what followed as machine events on stdout, exit 0', async () => {
    const r = await runCli('sim', 'inject', 'web', 'reboot');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^event H10 \[error\]: machine reset/m);
    expect(r.stdout).not.toMatch(/^error /m);
  });
});
