import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/cli/exit-codes.js';

// bin/parker.js exits as soon as the command returns (without waiting for V8's background
// garbage collection): the exit status and every byte of output must survive that.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-bin-exit-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
const BIG = ['discover', '-o', 'json', '--synthetic', 'pack:2 numa:2 l3:4 core:32 pu:2 mem:64G'];

describe('bin/parker.js exiting', () => {
  it('writes all of a large output into a pipe its reader empties late', async () => {
    const file = path.join(scratch, 'discover.json');
    const fd = fs.openSync(file, 'w');
    expect(spawnSync(process.execPath, ['bin/parker.js', ...BIG], { stdio: ['ignore', fd, 'pipe'] }).status).toBe(0);
    fs.closeSync(fd);
    const expected = fs.readFileSync(file, 'utf8');
    expect(expected.length).toBeGreaterThan(256 * 1024);

    const child = spawn(process.execPath, ['bin/parker.js', ...BIG], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pause();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stdout.resume();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(expected);
  });

  it('keeps the exit status of the command', () => {
    const state = path.join(scratch, 'state');
    const wrong = spawnSync(process.execPath, ['bin/parker.js', 'validate', 'examples/wrong.yaml', '--state-dir', state], { encoding: 'utf8' });
    expect(wrong.status).toBe(EXIT.invalid);
    expect(wrong.stdout).toMatch(/H\d\d/);
    const usage = spawnSync(process.execPath, ['bin/parker.js', 'status', '--no-such-flag'], { encoding: 'utf8' });
    expect(usage.status).toBe(EXIT.usage);
    expect(usage.stderr).toContain('--no-such-flag');
  });

  it('makes standard error only when something is written to it, and still says errors there', () => {
    // What node loaded, told from inside the process at its exit (--require is no V8 flag: the
    // code cache is still taken).
    const hook = path.join(scratch, 'modules-at-exit.cjs');
    fs.writeFileSync(hook, "process.on('exit', () => require('fs').writeFileSync(process.env.MODULES_AT_EXIT, JSON.stringify(process.moduleLoadList)));\n");
    const run = (args: string[], err: 'pipe' | 'ignore') => {
      const out = path.join(scratch, `out-${args[0]}.txt`);
      const modules = path.join(scratch, `modules-${args[0]}.json`);
      const fd = fs.openSync(out, 'w');
      const result = spawnSync(process.execPath, ['--require', hook, 'bin/parker.js', ...args], { stdio: ['ignore', fd, err], encoding: 'utf8', env: { ...process.env, MODULES_AT_EXIT: modules } });
      fs.closeSync(fd);
      return { status: result.status, stderr: result.stderr, loaded: JSON.parse(fs.readFileSync(modules, 'utf8')) as string[] };
    };
    const state = path.join(scratch, 'state-stderr');
    // Output to a file, standard error a pipe nothing is written to: no stream for it, so no
    // network module behind one.
    const quiet = run(['validate', 'examples/default.yaml', '--state-dir', state], 'pipe');
    expect(quiet.status).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(quiet.loaded).not.toContain('NativeModule net');
    // An error still reaches it, once, with its status.
    const usage = run(['status', '--no-such-flag'], 'pipe');
    expect(usage.status).toBe(EXIT.usage);
    expect(usage.stderr).toMatch(/^error E_USAGE: unknown option '--no-such-flag'\n/);
    expect(usage.loaded).toContain('NativeModule net');
  });

  it('exits 70 with an internal error when the command ends without main() returning', () => {
    // The bin beside a bundle whose main never settles (and one whose main returns 3).
    const copy = path.join(scratch, 'fake');
    fs.mkdirSync(path.join(copy, 'dist', 'bundle'), { recursive: true });
    fs.cpSync('bin', path.join(copy, 'bin'), { recursive: true });
    const main = path.join(copy, 'dist', 'bundle', 'main.cjs');
    fs.writeFileSync(main, 'exports.main = () => new Promise(() => {});\n');
    const never = spawnSync(process.execPath, [path.join(copy, 'bin', 'parker.js'), 'status'], { encoding: 'utf8', timeout: 20_000 });
    expect(never.status).toBe(EXIT.internal);
    expect(never.stderr).toContain('internal error: the command ended without finishing');
    fs.writeFileSync(main, 'exports.main = async () => 3;\n');
    const three = spawnSync(process.execPath, [path.join(copy, 'bin', 'parker.js'), 'status'], { encoding: 'utf8', timeout: 20_000 });
    expect(three.status).toBe(3);
    expect(three.stderr).toBe('');
  });

  it('reads a config file, whose YAML library comes from node_modules, not from the bundle', () => {
    const config = path.join(scratch, 'config.yaml');
    fs.writeFileSync(config, 'output: json\n');
    const r = spawnSync(process.execPath, ['bin/parker.js', 'status', '--state-dir', path.join(scratch, 'config-state')], { encoding: 'utf8', env: { ...process.env, PARKER_CONFIG: config }, timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ schema: 'parker.status/v1' });
  });
});
