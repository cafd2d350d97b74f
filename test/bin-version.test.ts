import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

// bin/parker.js answers `--version` alone before loading the program: it must say what the
// program itself says.

const bin = (...args: string[]) => spawnSync(process.execPath, ['bin/parker.js', ...args], { encoding: 'utf8', timeout: 30_000 });

describe('parker --version', () => {
  it('prints the package version, as the program does, with -V too', async () => {
    const version = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string }).version;
    const program = await runCli('--version');
    expect(program.stdout).toBe(`${version}\n`);
    for (const flag of ['--version', '-V']) {
      const r = bin(flag);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(program.stdout);
      expect(r.stderr).toBe('');
    }
  });

  it('with anything else goes to the program', async () => {
    const r = bin('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe((await runCli('--help')).stdout);
    expect(r.stdout).toContain('Usage: parker');
  });
});
