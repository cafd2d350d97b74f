import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The README's tour, run as written, line by line, in bash, on a fresh simulated machine in a
// scratch directory (the tour writes files where it runs). `parker` is this checkout's bin, run
// as the README's alias runs it.
const repo = process.cwd();
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-tour-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function tourLines(): string[] {
  const readme = fs.readFileSync('README.md', 'utf8');
  const block = readme.slice(readme.indexOf('## A short tour')).match(/```sh\n([\s\S]*?)```/)![1]!;
  return block.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('alias '));
}

describe("the README's tour", () => {
  // This node first on PATH: the bin's first line starts `node`.
  const env = {
    ...process.env,
    PATH: [path.dirname(process.execPath), process.env['PATH']].filter(Boolean).join(path.delimiter),
    PARKER_STATE_DIR: path.join(scratch, 'state'),
    XDG_CONFIG_HOME: path.join(scratch, 'config'),
  };
  const bash = (line: string) =>
    spawnSync('bash', ['-c', `parker() { ${JSON.stringify(path.join(repo, 'bin/parker.js'))} "$@"; }\n${line}`], { cwd: scratch, env, encoding: 'utf8', timeout: 60_000 });

  beforeAll(() => {
    // `npm test` has built dist/; the tour's `--root ./copied-sysfs` needs a copied tree.
    fs.symlinkSync(path.join(repo, 'examples'), path.join(scratch, 'examples'));
    const archive = path.join(scratch, 'sim.tar.gz');
    expect(bash(`parker sim create -q && parker gather --machine sim -q -f ${archive}`).status).toBe(0);
    fs.mkdirSync(path.join(scratch, 'copied-sysfs'));
    execFileSync('tar', ['-xzf', archive, '-C', path.join(scratch, 'copied-sysfs')]);
  }, 120_000);

  it('has the commands a new user tries', () => {
    const lines = tourLines();
    expect(lines.length).toBeGreaterThan(15);
    for (const command of ['discover', 'validate', 'plan', 'apply', 'status', 'console', 'destroy']) expect(lines.some((l) => l.startsWith(`parker ${command} `))).toBe(true);
  });

  it('every line runs and exits 0 (validate: 0 or 4, warnings only)', () => {
    const failures: string[] = [];
    for (const line of tourLines()) {
      const r = bash(line.replace(/\s+#.*$/, ''));
      const ok = line.startsWith('parker validate') ? r.status === 0 || r.status === 4 : r.status === 0;
      if (!ok) failures.push(`${line}\n  exit ${r.status}: ${r.stderr.trim().split('\n').slice(0, 3).join(' | ')}`);
    }
    expect(failures).toEqual([]);
  }, 240_000);
});
