import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

// The bash script is run by a real bash, with a `parker` on its PATH that is this checkout.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-completion-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function complete(script: string, words: string[]): string[] {
  const bin = path.join(scratch, 'bin');
  const program = [
    script,
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}`,
    '_parker; printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const out = execFileSync('bash', ['-c', program], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8', cwd: process.cwd() });
  return out.split('\n').filter(Boolean).sort();
}

describe('parker completion bash', () => {
  let script = '';
  beforeAll(async () => {
    fs.mkdirSync(path.join(scratch, 'bin'));
    fs.writeFileSync(path.join(scratch, 'bin', 'parker'), `#!/bin/sh\nexec node ${path.resolve('bin/parker.js')} "$@"\n`, { mode: 0o755 });
    expect((await runCli('sim', 'create')).code).toBe(0);
    expect((await runCli('apply', 'examples/default.yaml')).code).toBe(0);
    const r = await runCli('completion', 'bash');
    expect(r.code).toBe(0);
    script = r.stdout;
  }, 120_000);

  it('completes commands, subcommands, flags and their values', () => {
    expect(complete(script, ['parker', 'st'])).toEqual(['start', 'status', 'stop']);
    expect(complete(script, ['parker', 'sim', 'in'])).toEqual(['inject']);
    expect(complete(script, ['parker', 'plan', '--det'])).toEqual(['--detailed-exitcode']);
    expect(complete(script, ['parker', 'status', '--machine', ''])).toEqual(['host', 'sim']);
  });

  it("completes each command's own flags and values: -o by what it offers, console's -f as --follow, sim's subcommands", () => {
    expect(complete(script, ['parker', 'status', '-o', ''])).toEqual(['json', 'table', 'wide', 'yaml']);
    expect(complete(script, ['parker', 'discover', '-o', ''])).toContain('hwloc');
    expect(complete(script, ['parker', 'sim', 'create', '--st'])).toEqual(['--state-dir']);
    expect(complete(script, ['parker', '--state-dir', '/tmp', 'st'])).toEqual(['start', 'status', 'stop']);
  });

  it('completes kernel names of the machine the command line names, flags before the command too', async () => {
    const names = (await runCli('completion', '--kernels')).stdout.split('\n').filter(Boolean);
    expect(complete(script, ['parker', 'console', '-f', ''])).toEqual(names);
    const other = path.join(scratch, 'other-state');
    expect((await runCli('apply', 'examples/profile-latency.yaml', '--state-dir', other)).code).toBe(0);
    expect(complete(script, ['parker', '--state-dir', other, 'stop', ''])).toEqual(['trading']);
    expect(complete(script, ['parker', 'stop', '--state-dir', other, ''])).toEqual(['trading']);
    expect(complete(script, ['parker', `--state-dir=${other}`, 'stop', ''])).toEqual(['trading']);
    expect(complete(script, ['parker', 'sim', 'inject', '--state-dir', other, ''])).toEqual(['trading']);
    // The argument after the kernel: what sim inject takes; nothing more for stop.
    expect(complete(script, ['parker', 'sim', 'inject', 'trading', ''])).toEqual(['panic', 'poweroff', 'reboot', 'split-lock', 'wbinvd']);
    expect(complete(script, ['parker', 'stop', names[0]!, ''])).toEqual([]);
  }, 60_000);

  it('completes kernel names from the applied layout', async () => {
    const names = (await runCli('completion', '--kernels')).stdout.split('\n').filter(Boolean);
    expect(names.length).toBeGreaterThan(1);
    expect(complete(script, ['parker', 'stop', ''])).toEqual(names);
    expect(complete(script, ['parker', 'console', names[0]!.slice(0, 2)])).toContain(names[0]);
  });

  it('lists only names that are plain words: a partition named "$(...)" on a machine never reaches the shell', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-completion-root-'));
    try {
      for (const name of ['good', '$(touch PWNED)', 'a;b', 'x\ny']) {
        const dir = path.join(root, 'sys/fs/parker', name);
        fs.mkdirSync(dir, { recursive: true });
        for (const [file, value] of [['id', '1'], ['online', '0'], ['cpus', '2-3']]) fs.writeFileSync(path.join(dir, file!), `${value}\n`);
      }
      fs.mkdirSync(path.join(root, 'proc'));
      const r = await runCli('completion', '--kernels', '--root', root, '--state-dir', path.join(root, 'state'));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('good\n');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('zsh and fish scripts name every command; an unknown shell is a usage error', async () => {
    const zsh = (await runCli('completion', 'zsh')).stdout;
    const fish = (await runCli('completion', 'fish')).stdout;
    for (const command of ['discover', 'apply', 'status', 'completion']) {
      expect(zsh).toContain(`'${command}:`);
      expect(fish).toContain(`-a ${command} `);
    }
    const r = await runCli('completion', 'tcsh');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bash, zsh, fish');
  });
});
