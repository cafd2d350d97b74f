import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// bin/parker.js run as a program goes through its first line, in /bin/sh: node is started
// without NODE_EXTRA_CA_CERTS (node 20 would build its certificate store before any code runs)
// and the value is put back into the environment before parker runs, for the programs it starts.

const BIN = path.resolve('bin/parker.js');

let scratch: string;
let hook: string;
beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-launcher-'));
  // The environment of the node process as it starts (a --require hook runs before the bin) and
  // at its end (what the programs parker starts would inherit), told from inside it.
  hook = path.join(scratch, 'env-seen.cjs');
  fs.writeFileSync(
    hook,
    [
      'const seen = () => ({ ca: process.env.NODE_EXTRA_CA_CERTS ?? null, carried: process.env.PARKER_NODE_EXTRA_CA_CERTS ?? null });',
      'const atStart = seen();',
      "process.on('exit', () => require('fs').writeFileSync(process.env.ENV_SEEN, JSON.stringify({ pid: process.pid, atStart, atExit: seen(), argv: process.argv.slice(2) })));",
      '',
    ].join('\n'),
  );
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

interface Seen {
  ca: string | null;
  carried: string | null;
}
interface Run {
  result: SpawnSyncReturns<string>;
  seen: { pid: number; atStart: Seen; atExit: Seen; argv: string[] };
}

/**
 * Runs `argv` (the bin as a program, or node with it) in this environment without the two
 * variables, plus `env`; this node first on PATH, as the program's first line starts `node`.
 */
function run(argv: string[], env: Record<string, string>): Run {
  const seenFile = path.join(scratch, `seen-${Math.random().toString(36).slice(2)}.json`);
  const merged: Record<string, string | undefined> = { ...process.env };
  delete merged['NODE_EXTRA_CA_CERTS'];
  delete merged['PARKER_NODE_EXTRA_CA_CERTS'];
  Object.assign(merged, env, {
    NODE_OPTIONS: `--require ${hook}`,
    ENV_SEEN: seenFile,
    PATH: [path.dirname(process.execPath), process.env['PATH']].filter(Boolean).join(path.delimiter),
  });
  const result = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: merged, timeout: 30_000 });
  return { result, seen: JSON.parse(fs.readFileSync(seenFile, 'utf8')) as Run['seen'] };
}

describe('bin/parker.js run as a program', () => {
  it('starts node without NODE_EXTRA_CA_CERTS, in its own process, and gives it back to what parker runs', () => {
    const missing = path.join(scratch, 'no-such-bundle.pem');
    const asProgram = run([BIN, 'status', '--state-dir', path.join(scratch, 'state-a')], { NODE_EXTRA_CA_CERTS: missing });
    expect(asProgram.result.status).toBe(0);
    // The shell replaced itself with node: the process spawned is the one that ran parker.
    expect(asProgram.seen.pid).toBe(asProgram.result.pid);
    expect(asProgram.seen.atStart).toEqual({ ca: null, carried: `${asProgram.result.pid}:${missing}` });
    expect(asProgram.seen.atExit).toEqual({ ca: missing, carried: null });

    // Started by hand, node has the variable from its start, and nothing is carried.
    const byNode = run([process.execPath, BIN, 'status', '--state-dir', path.join(scratch, 'state-b')], { NODE_EXTRA_CA_CERTS: missing });
    expect(byNode.result.status).toBe(0);
    expect(byNode.seen.atStart).toEqual({ ca: missing, carried: null });
    expect(byNode.seen.atExit).toEqual({ ca: missing, carried: null });

    // What it saves: node 20 reads the file as it starts, and says so when it cannot.
    if (process.versions.node.startsWith('20.')) {
      expect(byNode.result.stderr).toContain('Ignoring extra certs');
      expect(asProgram.result.stderr).not.toContain('Ignoring extra certs');
    }
  });

  it('keeps an empty value empty and an unset one unset, and puts back only what it carried itself', () => {
    const empty = run([BIN, '--version'], { NODE_EXTRA_CA_CERTS: '' });
    expect(empty.result.stdout).toMatch(/^\d+\.\d+\.\d+/);
    expect(empty.seen.atStart).toEqual({ ca: null, carried: `${empty.result.pid}:` });
    expect(empty.seen.atExit).toEqual({ ca: '', carried: null });

    // A value of that name left in the environment is dropped by the program's first line...
    const unset = run([BIN, '--version'], { PARKER_NODE_EXTRA_CA_CERTS: '/stale.pem' });
    expect(unset.result.status).toBe(0);
    expect(unset.seen.atExit).toEqual({ ca: null, carried: null });
    // ...and, node started by hand, neither used nor touched: it is not this process's.
    const byNode = run([process.execPath, BIN, '--version'], { NODE_EXTRA_CA_CERTS: '/real.pem', PARKER_NODE_EXTRA_CA_CERTS: '/stale.pem' });
    expect(byNode.result.status).toBe(0);
    expect(byNode.seen.atExit).toEqual({ ca: '/real.pem', carried: '/stale.pem' });
  });

  it('passes every argument through as it was given, also through a symlink as npm installs it', () => {
    const hostile = path.join(scratch, `a b*?'"$HOME;\`x\` [1]\n-n.yaml`);
    const link = path.join(scratch, 'node modules $(x)', '.bin', 'parker');
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(BIN, link);
    const args = ['validate', hostile, '', '-e', '--state-dir', path.join(scratch, 'state-c')];
    for (const program of [BIN, link]) {
      const r = run([program, ...args], { NODE_EXTRA_CA_CERTS: '/x.pem' });
      expect(r.seen.argv).toEqual(args);
      // The command ran (and refused the extra arguments): parker's usage error, not a shell's.
      expect(r.result.status).toBe(2);
      expect(r.result.stderr).toMatch(/^error E_USAGE: /);
    }
  });
});
