import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, test } from 'vitest';
import { runCli } from './run-cli.js';

const stateDir = process.env.PARKER_STATE_DIR!;
const lockFile = path.join(stateDir, 'lock');
const opsLog = path.join(stateDir, 'sim', 'ops.log');
const journalFile = path.join(stateDir, 'journal.jsonl');

/** Writes the lock file the way a running parker does. */
function holdLock(pid: number, command: string): void {
  fs.mkdirSync(stateDir, { recursive: true });
  fs.writeFileSync(lockFile, JSON.stringify({ pid, hostname: os.hostname(), command, since: '2026-11-27T11:59:00.000Z' }) + '\n');
}

afterEach(() => fs.rmSync(lockFile, { force: true }));

describe('one apply at a time, through the CLI', () => {
  test('apply while another parker holds the lock exits 3, names the holder and changes nothing', async () => {
    expect((await runCli('status')).code).toBe(0);
    expect(fs.existsSync(opsLog)).toBe(false); // status creates nothing
    expect((await runCli('sim', 'create')).code).toBe(0);
    const opsBefore = fs.readFileSync(opsLog);
    holdLock(process.pid, 'apply other.yaml');

    const r = await runCli('apply', 'examples/default.yaml');

    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`error E_LOCKED: another parker holds the lock ${lockFile}: pid ${process.pid} on ${os.hostname()}, running "apply other.yaml" since 2026-11-27T11:59:00.000Z`);
    expect(r.stderr).toContain('fix: wait for it to finish');
    expect(fs.readFileSync(opsLog)).toEqual(opsBefore);
    expect(fs.existsSync(journalFile)).toBe(false);
    // The holder keeps its lock.
    expect(JSON.parse(fs.readFileSync(lockFile, 'utf8')).command).toBe('apply other.yaml');
  });

  test('status shows who holds the lock; recover and destroy wait for it too', async () => {
    holdLock(process.pid, 'apply other.yaml');
    const status = JSON.parse((await runCli('status', '-o', 'json')).stdout);
    expect(status.lock).toEqual({ pid: process.pid, hostname: os.hostname(), command: 'apply other.yaml', since: '2026-11-27T11:59:00.000Z', stale: false });
    const recover = await runCli('recover');
    expect(recover.code).toBe(3);
    expect(recover.stderr).toContain(`pid ${process.pid} on ${os.hostname()}, running "apply other.yaml"`);
  });

  test('a lock left by a dead process on this host is taken over, and released after the apply', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    holdLock(dead, 'apply crashed.yaml');

    const r = await runCli('apply', 'examples/default.yaml');

    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('done: 27 steps');
    expect(fs.existsSync(lockFile)).toBe(false);
  });
});
