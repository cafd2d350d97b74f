import { execFileSync, spawnSync } from 'node:child_process';
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
  const out = execFileSync('bash', ['-c', program], { env: { ...process.env, HOME: scratch, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8', cwd: process.cwd() });
  return out.split('\n').filter(Boolean).sort();
}

describe('parker completion bash', () => {
  let script = '';
  beforeAll(async () => {
    fs.mkdirSync(path.join(scratch, 'bin'));
    fs.writeFileSync(path.join(scratch, 'bin', 'parker'), `#!/bin/sh\nexec node ${path.resolve('bin/parker.js')} "$@"\n`, { mode: 0o755 });
    expect((await runCli('sim', 'create')).code).toBe(0);
    expect((await runCli('apply', 'examples/default.yaml')).code).toBe(0);
    // A second machine, with other kernels: completion must name those of the machine the line names.
    expect((await runCli('apply', 'examples/profile-latency.yaml', '--state-dir', path.join(scratch, 'other-state'))).code).toBe(0);
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

  it('completes a value right after --flag=, as bash splits it (the = a word of its own, the current one until the value has a character)', () => {
    expect(complete(script, ['parker', 'status', '--output', '='])).toEqual(['json', 'table', 'wide', 'yaml']);
    expect(complete(script, ['parker', 'status', '--output', '=', 'j'])).toEqual(['json']);
    expect(complete(script, ['parker', 'discover', '--output', '=', 'h'])).toEqual(['hwloc']);
    expect(complete(script, ['parker', '--machine', '='])).toEqual(['host', 'sim']);
    expect(complete(script, ['parker', 'status', '--machine', '=', 'h'])).toEqual(['host']);
    // Past the value, the next word completes as ever.
    expect(complete(script, ['parker', 'status', '--output', '=', 'json', '--mach'])).toEqual(['--machine']);
    // Only a flag that takes a value has one after its =: not --yes, not an unknown flag, and not
    // -o (commander reads -o=json as "=json").
    expect(complete(script, ['parker', 'stop', '--yes', '='])).toEqual([]);
    expect(complete(script, ['parker', 'stop', '--yes', '=', 'w'])).toEqual([]);
    expect(complete(script, ['parker', 'stop', '--nonesuch', '=', 'w'])).toEqual([]);
    expect(complete(script, ['parker', 'status', '-o', '='])).toEqual([]);
  });

  it('completes kernel names of the machine the command line names, flags before the command too', async () => {
    const names = (await runCli('completion', '--kernels')).stdout.split('\n').filter(Boolean);
    expect(complete(script, ['parker', 'console', '-f', ''])).toEqual(names);
    const other = path.join(scratch, 'other-state');
    expect(complete(script, ['parker', '--state-dir', other, 'stop', ''])).toEqual(['trading']);
    expect(complete(script, ['parker', 'stop', '--state-dir', other, ''])).toEqual(['trading']);
    expect(complete(script, ['parker', `--state-dir=${other}`, 'stop', ''])).toEqual(['trading']);
    expect(complete(script, ['parker', 'sim', 'inject', '--state-dir', other, ''])).toEqual(['trading']);
    // As bash splits them (= is a word of its own), and with ~ for the home directory (here the scratch directory).
    expect(complete(script, ['parker', '--state-dir', '=', other, 'stop', ''])).toEqual(['trading']);
    expect(complete(script, ['parker', '--state-dir', '~/other-state', 'stop', ''])).toEqual(['trading']);
    expect(complete(script, ['parker', 'stop', '--state-dir', '=', '~/other-state', ''])).toEqual(['trading']);
    expect(complete(script, ['parker', 'stop', '--state-dir=~/other-state', ''])).toEqual(['trading']);
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

  it('fish: the same completions, run by a real fish', async () => {
    const fish = spawnSync('fish', ['--version'], { encoding: 'utf8' });
    if (fish.error) throw new Error('fish is not installed: the fish completion check runs the real fish (apt-get install fish; .ci/run does)');
    const file = path.join(scratch, 'parker.fish');
    fs.writeFileSync(file, (await runCli('completion', 'fish')).stdout);
    const completeFish = (line: string) =>
      execFileSync('fish', ['--no-config', '-c', `source ${file}; complete -C ${JSON.stringify(line)}`], { env: { ...process.env, HOME: scratch, PATH: `${path.join(scratch, 'bin')}:${process.env.PATH}` }, encoding: 'utf8' })
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]!)
        .sort();
    const other = path.join(scratch, 'other-state');
    expect(completeFish('parker st')).toEqual(['start', 'status', 'stop']);
    expect(completeFish(`parker --state-dir ${other} st`)).toEqual(['start', 'status', 'stop']);
    expect(completeFish('parker sim ')).toEqual(['create', 'image', 'inject', 'reset', 'show']);
    expect(completeFish('parker sim create --st')).toEqual(['--state-dir']);
    expect(completeFish('parker status -o ')).toEqual(['json', 'table', 'wide', 'yaml']);
    expect(completeFish('parker discover -o ')).toContain('hwloc');
    expect(completeFish('parker --machine ')).toEqual(['host', 'sim']);
    // Kernel names of the machine the command line names, its flags before or after the command.
    const names = (await runCli('completion', '--kernels')).stdout.split('\n').filter(Boolean);
    expect(completeFish('parker stop ')).toEqual([...names].sort());
    expect(completeFish(`parker --state-dir ${other} stop `)).toEqual(['trading']);
    expect(completeFish(`parker stop --state-dir=${other} `)).toEqual(['trading']);
    expect(completeFish(`parker sim inject --state-dir ${other} `)).toEqual(['trading']);
    // A flag's value is no command (sim), and each argument completes by its position.
    expect(completeFish('parker --machine sim st')).toEqual(['start', 'status', 'stop']);
    expect(completeFish(`parker --machine sim stop --state-dir ${other} `)).toEqual(['trading']);
    expect(completeFish(`parker sim inject --state-dir ${other} trading `)).toEqual(['panic', 'poweroff', 'reboot', 'split-lock', 'wbinvd']);
    expect(completeFish(`parker --state-dir ${other} stop trading `)).toEqual([]);
    expect(completeFish(`parker console -f --state-dir ${other} `)).toEqual(['trading']);
    expect(completeFish('parker --state-dir ~/other-state stop ')).toEqual(['trading']);
    expect(completeFish('parker stop --state-dir=~/other-state ')).toEqual(['trading']);
    expect(completeFish('parker status --output=')).toEqual(['--output=json', '--output=table', '--output=wide', '--output=yaml']);
  }, 60_000);

  it('zsh: the same completions, run by a real zsh (its completion builtins stood in for by functions that print their words)', async () => {
    const zsh = spawnSync('zsh', ['--version'], { encoding: 'utf8' });
    if (zsh.error) throw new Error('zsh is not installed: the zsh completion check runs the real zsh (apt-get install zsh; .ci/run does)');
    const file = path.join(scratch, '_parker');
    // The script ends by calling _parker, as zsh's autoloading wants: here the test calls it.
    fs.writeFileSync(file, (await runCli('completion', 'zsh')).stdout.replace(/\n_parker "\$@"\n$/, '\n'));
    const stand_ins = [
      'compadd() { local i=${@[(i)--]}; print -l -- "${@[i+1,-1]}"; }',
      '_describe() { local n; for n in ${(P)2}; do print -- ${n%%:*}; done; }',
      '_files() { print -- "(files $*)"; }',
      // compset -P 1 '*=' moves the shortest match (through the first =) from PREFIX to IPREFIX:
      // here it is dropped. Any other form does nothing, so a test notices it.
      "compset() { [[ $1 == -P && $2 == 1 && $3 == '*=' ]] && PREFIX=${PREFIX#*=}; }",
    ].join('\n');
    /** What zsh would offer for a command line whose last word is being completed. */
    const zshWords = (...line: string[]) => {
      const words = line.map((w) => `'${w}'`).join(' ');
      const out = execFileSync('zsh', ['-f', '-c', `${stand_ins}\nsource ${file}\nwords=(${words}); CURRENT=${line.length}; PREFIX='${line.at(-1)}'; _parker`], { env: { ...process.env, HOME: scratch, PATH: `${path.join(scratch, 'bin')}:${process.env.PATH}` }, encoding: 'utf8' });
      return out.split('\n').filter((w) => w !== '');
    };
    const completeZsh = (...line: string[]) => zshWords(...line).filter((w) => w.startsWith(line.at(-1)!)).sort();
    const other = path.join(scratch, 'other-state');
    expect(completeZsh('parker', 'st')).toEqual(['start', 'status', 'stop']);
    expect(completeZsh('parker', '--state-dir', other, 'st')).toEqual(['start', 'status', 'stop']);
    expect(completeZsh('parker', 'sim', '')).toEqual(['create', 'image', 'inject', 'reset', 'show']);
    expect(completeZsh('parker', 'sim', 'create', '--st')).toEqual(['--state-dir']);
    expect(completeZsh('parker', 'status', '-o', '')).toEqual(['json', 'table', 'wide', 'yaml']);
    expect(completeZsh('parker', 'validate', '')).toEqual(['(files )']);
    expect(completeZsh('parker', '--state-dir', other, 'stop', '')).toEqual(['trading']);
    expect(completeZsh('parker', 'stop', `--state-dir=${other}`, '')).toEqual(['trading']);
    expect(completeZsh('parker', 'sim', 'inject', '--state-dir', other, '')).toEqual(['trading']);
    expect(completeZsh('parker', 'sim', 'inject', 'trading', '')).toEqual(['panic', 'poweroff', 'reboot', 'split-lock', 'wbinvd']);
    expect(completeZsh('parker', 'stop', 'trading', '')).toEqual([]);
    expect(completeZsh('parker', 'console', '-f', '--state-dir', other, '')).toEqual(['trading']);
    expect(completeZsh('parker', '--state-dir', '~/other-state', 'stop', '')).toEqual(['trading']);
    expect(completeZsh('parker', 'stop', '--state-dir=~/other-state', '')).toEqual(['trading']);
    // A value right after --flag=: the flag and its = stay, the values are offered after them.
    const afterEquals = (...line: string[]) => zshWords(...line).filter((w) => w.startsWith(line.at(-1)!.replace(/^[^=]*=/, ''))).sort();
    expect(afterEquals('parker', 'status', '--output=')).toEqual(['json', 'table', 'wide', 'yaml']);
    expect(afterEquals('parker', 'status', '--output=j')).toEqual(['json']);
    expect(afterEquals('parker', '--machine=')).toEqual(['host', 'sim']);
    // A value that holds an = itself is cut at the first one (compset -P 1).
    expect(zshWords('parker', 'status', '--state-dir=/tmp/a=b/')).toEqual(['(files -/)']);
    // No value after the = of a flag that takes none: nothing is offered (zsh matches the word against the flags).
    expect(completeZsh('parker', 'stop', '--yes=')).toEqual([]);
  }, 60_000);

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
