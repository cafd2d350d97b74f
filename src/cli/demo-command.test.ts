import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { shellWord, tryNext } from './demo-command.js';

const repo = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repo, 'bin', 'parker.js');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-demo-hints-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

const commands = (text: string) => text.split('\n').filter(Boolean).map((line) => line.trim().split(/ {3,}/)[0]!);

describe('the commands the demo says to try next', () => {
  it('name parker, the examples and the state directory as they are typed from here', () => {
    const inRepo = commands(tryNext('examples/default.yaml', undefined, bin, repo));
    expect(inRepo).toEqual(['bin/parker.js discover', 'bin/parker.js plan examples/default.yaml', 'bin/parker.js validate examples/wrong.yaml', 'bin/parker.js sim inject web reboot', 'bin/parker.js destroy --all']);
    // From elsewhere: absolute paths, and the demo's own state directory, quoted for the shell.
    const elsewhere = commands(tryNext(path.join(repo, 'examples/default.yaml'), "/tmp/a b's", bin, scratch));
    expect(elsewhere[0]).toBe(`${bin} discover --state-dir '/tmp/a b'\\''s'`);
    expect(elsewhere[2]).toBe(`${bin} validate ${path.join(repo, 'examples/wrong.yaml')} --state-dir '/tmp/a b'\\''s'`);
  });

  it('say `parker` when the parker on the search path is this one', () => {
    const dir = path.join(scratch, 'path-bin');
    fs.mkdirSync(dir, { recursive: true });
    fs.symlinkSync(bin, path.join(dir, 'parker'));
    const saved = process.env['PATH'];
    process.env['PATH'] = `${dir}${path.delimiter}${saved ?? ''}`;
    try {
      expect(commands(tryNext('examples/default.yaml', undefined, bin, scratch))[0]).toBe('parker discover');
    } finally {
      process.env['PATH'] = saved;
    }
  });

  it('run as printed, from where the demo ran, on the demo machine', () => {
    const cwd = path.join(scratch, 'somewhere else');
    fs.mkdirSync(cwd, { recursive: true });
    const env = { ...process.env, PATH: [path.dirname(process.execPath), process.env['PATH']].join(path.delimiter) };
    const demo = spawnSync(bin, ['demo', '--state-dir', path.join(scratch, 'demo state')], { cwd, env, encoding: 'utf8', timeout: 60_000 });
    expect(demo.status, demo.stderr).toBe(0);
    const hints = commands(demo.stdout.slice(demo.stdout.indexOf('Try next:\n') + 'Try next:\n'.length));
    expect(hints).toHaveLength(5);
    const exits = hints.map((line) => spawnSync('sh', ['-c', line], { cwd, env, encoding: 'utf8', timeout: 60_000 }).status);
    // wrong.yaml is there to show errors: exit 1.
    expect(exits).toEqual([0, 0, 1, 0, 0]);
    expect(shellWord('plain/path.yaml')).toBe('plain/path.yaml');
  });
});
