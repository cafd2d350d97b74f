import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';
import { withoutControls } from '../src/units/framed-lines.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-global-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
afterEach(() => {
  delete process.env.PARKER_CONFIG;
});

function config(text: string): string {
  const file = path.join(scratch, `config-${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(file, text);
  process.env.PARKER_CONFIG = file;
  return file;
}

describe('--quiet and --verbose', () => {
  it('--quiet apply prints neither the plan nor progress nor "done", before or after the command name', async () => {
    expect((await runCli('sim', 'create')).code).toBe(0);
    const r = await runCli('apply', 'examples/default.yaml', '--quiet');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('');
    const again = await runCli('-q', 'destroy', '--all');
    expect(again.code).toBe(0);
    expect(again.stdout + again.stderr).toBe('');
    // Nothing left to destroy, or a kernel that is not running: said without -q, not with it.
    expect((await runCli('destroy', '--all')).stdout).toBe('destroy --all: nothing to do\n');
    expect(await runCli('destroy', '--all', '-q')).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('--quiet apply --dry-run still prints its plan: the plan is all a dry run prints', async () => {
    const r = await runCli('apply', 'examples/default.yaml', '--dry-run', '-q');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('3 to create');
  });

  it('--quiet keeps data and errors', async () => {
    expect(JSON.parse((await runCli('status', '-q', '-o', 'json')).stdout).schema).toBe('parker.status/v1');
    const r = await runCli('status', 'nope', '-q');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('E_NOT_FOUND');
  });

  it('--verbose shows each step as it starts and the config file read', async () => {
    const file = config('output: table\n');
    const r = await runCli('apply', 'examples/default.yaml', '--verbose');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\.\. \[1\/\d+\] /m);
    expect(r.stderr).toContain(`config: ${file}`);
  });
});

describe("a command's flags before its name", () => {
  it('are the same as after it: parker --state-dir DIR -o json status, parker --state-dir DIR sim create', async () => {
    const dir = path.join(scratch, 'flags-first');
    expect((await runCli('--state-dir', dir, 'sim', 'create')).code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'sim', 'machine.json'))).toBe(true);
    const r = await runCli('-q', '--state-dir', dir, '-o', 'json', 'status');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).schema).toBe('parker.status/v1');
    // One the command does not take is still refused, naming it.
    const wrong = await runCli('--yes', 'status');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("unknown option '--yes'");
  });
});

describe('config files', () => {
  it('give defaults that flags override', async () => {
    config('output: json\n');
    expect(JSON.parse((await runCli('status')).stdout).schema).toBe('parker.status/v1');
    expect((await runCli('status', '-o', 'table')).stdout).toMatch(/^Machine /);
  });

  it('an output a command does not offer is left to the command', async () => {
    config('output: yaml\n');
    // `schema` prints JSON only; validate offers yaml and takes it.
    const r = await runCli('schema');
    expect(r.code).toBe(0);
    expect(typeof JSON.parse(r.stdout)).toBe('object');
    const v = await runCli('validate', 'examples/default.yaml');
    expect(v.stdout).toMatch(/^schema: parker\.validate\/v1$/m);
  });

  it('a wrong value or an unknown setting is E_CONFIG naming the file, and nothing runs', async () => {
    const file = config('machine: hots\n');
    const r = await runCli('status');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`E_CONFIG: config file ${file}: machine is "hots", not sim or host`);
    config('colour: always\n');
    expect((await runCli('status')).stderr).toContain('unknown setting "colour"');
    config('machin: sim\n');
    expect((await runCli('status')).stderr).toContain('unknown setting "machin"; did you mean "machine"?');
    process.env.PARKER_CONFIG = path.join(scratch, 'missing.yaml');
    expect((await runCli('status')).stderr).toContain('no such file or directory');
  });
});

describe('untrusted text in messages', () => {
  it('control characters are escaped, never sent to the terminal', () => {
    expect(withoutControls('a\u001b[31mb\u0007c\nd')).toBe('a\\u001b[31mb\\u0007c\nd');
  });

  it('a layout file name with an escape sequence comes back escaped', async () => {
    const r = await runCli('validate', path.join(scratch, 'evil\u001b]0;pwned\u0007.yaml'));
    expect(r.code).toBe(3);
    expect(r.stderr).not.toContain('\u001b');
    expect(r.stderr).toContain('\\u001b]0;pwned\\u0007');
  });
});

describe('help and the command that runs', () => {
  // The whole program is built for help, so it lists every command; a command line that runs
  // one command builds only that one.
  const commandsListed = (text: string) => [...text.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]);

  it('lists every command for the program\'s help, also when a command follows it', async () => {
    const alone = await runCli('--help');
    expect(alone.code).toBe(0);
    const all = commandsListed(alone.stdout.slice(alone.stdout.indexOf('Commands:')));
    expect(all).toEqual(expect.arrayContaining(['discover', 'validate', 'plan', 'apply', 'status', 'console', 'serve', 'sim']));
    for (const args of [['--help', 'status'], ['-h', 'status'], ['-qh', 'plan'], ['-v', '--help', 'apply']]) {
      const r = await runCli(...args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(commandsListed(r.stdout.slice(r.stdout.indexOf('Commands:'))), args.join(' ')).toEqual(all);
    }
  });

  it('shows a command\'s own help for `parker CMD --help` and `parker help CMD`', async () => {
    for (const args of [['status', '--help'], ['help', 'status'], ['-q', 'status', '-h']]) {
      const r = await runCli(...args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toMatch(/^Usage: parker status \[options\] \[name\]/);
    }
  });
});
