import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// Output that cannot be written (a full disk: /dev/full) is E_IO's exit status and one line
// that says so, never a stack trace and never a success; standard output named as a file
// (`-f /dev/stdout`) goes where standard output goes.

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-bin-output-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** Runs bin/parker.js with its standard output (or error) on `fd`. */
function binTo(stream: 'stdout' | 'stderr', file: string, ...args: string[]) {
  const fd = fs.openSync(file, 'w');
  try {
    const stdio: ['ignore', number | 'pipe', number | 'pipe'] = stream === 'stdout' ? ['ignore', fd, 'pipe'] : ['ignore', 'pipe', fd];
    const env = { ...process.env, PARKER_STATE_DIR: path.join(scratch, 'state') };
    return spawnSync(process.execPath, ['bin/parker.js', ...args], { stdio, env, encoding: 'utf8', timeout: 30_000 });
  } finally {
    fs.closeSync(fd);
  }
}

describe('output that cannot be written', () => {
  it('is E_IO in one line: a saved file named /dev/stdout, and a command printing to a full disk', () => {
    // Text as well as JSON: a text command's last write fails as the command returns, and the
    // stream says so only on the next tick (the exit status was 0 before the bin looked).
    const text = [['status'], ['discover'], ['validate', 'examples/default.yaml'], ['plan', 'examples/default.yaml'], ['schema'], ['completion', 'bash']];
    for (const args of [['sim', 'image', '-f', '/dev/stdout'], ['discover', '-o', 'json'], ...text]) {
      const r = binTo('stdout', '/dev/full', ...args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(3);
      expect(r.stderr).toMatch(/error E_IO: cannot write (\/dev\/stdout|standard output)/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("keeps the command's own exit status when its reader has gone (a closed pipe) or standard error cannot say the error", () => {
    const statusFile = path.join(scratch, 'status');
    const env = { ...process.env, PARKER_STATE_DIR: path.join(scratch, 'state'), PATH: [path.dirname(process.execPath), process.env['PATH']].join(path.delimiter) };
    const statusOf = (command: string) => {
      // The reader exits before parker writes: its output meets a closed pipe (EPIPE).
      spawnSync('sh', ['-c', `(sleep 0.3; ${command}; echo $? > '${statusFile}') | true`], { env, timeout: 30_000 });
      return Number(fs.readFileSync(statusFile, 'utf8'));
    };
    expect(statusOf('bin/parker.js validate examples/wrong.yaml -o json')).toBe(1);
    expect(statusOf('bin/parker.js plan examples/default.yaml --detailed-exitcode -o json')).toBe(2);
    expect(statusOf('bin/parker.js status -o json')).toBe(0);
    // A usage error whose message cannot be written: still a usage error.
    const fd = fs.openSync('/dev/full', 'w');
    try {
      expect(spawnSync(process.execPath, ['bin/parker.js', 'frobnicate'], { stdio: ['ignore', 'ignore', fd], env }).status).toBe(2);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('is not success when standard error is what was named and cannot be written', () => {
    const r = binTo('stderr', '/dev/full', 'sim', 'image', '-f', '/dev/stderr');
    expect(r.status).toBe(3);
    expect(r.stdout).toBe('');
  });

  it('goes where standard output goes when it is named as the file, a file included', () => {
    const named = path.join(scratch, 'image');
    expect(spawnSync(process.execPath, ['bin/parker.js', 'sim', 'image', '-f', named]).status).toBe(0);
    for (const name of ['/dev/stdout', '/proc/self/fd/1']) {
      const out = path.join(scratch, 'redirected');
      expect(binTo('stdout', out, 'sim', 'image', '-f', name).status, name).toBe(0);
      expect(fs.readFileSync(out).equals(fs.readFileSync(named)), name).toBe(true);
    }
    expect(fs.lstatSync('/dev/stdout').isSymbolicLink()).toBe(true);
  });
});
