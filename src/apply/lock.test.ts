import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ParkerError } from '../units/parker-error.js';
import { ApplyLock, type LockHolder } from './lock.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-lock-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid!;
}

function writeHolder(holder: LockHolder): void {
  fs.writeFileSync(path.join(dir, 'lock'), JSON.stringify(holder) + '\n');
}

function caught(run: () => void): ParkerError {
  try {
    run();
  } catch (e) {
    if (e instanceof ParkerError) return e;
    throw e;
  }
  throw new Error('expected a ParkerError');
}

describe('ApplyLock', () => {
  test('the holder is written in the lock file and removed on release', () => {
    const lock = new ApplyLock(dir);
    lock.acquire('apply layout.yaml');
    expect(lock.holder()).toMatchObject({ pid: process.pid, hostname: os.hostname(), command: 'apply layout.yaml', since: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    lock.release();
    expect(fs.existsSync(path.join(dir, 'lock'))).toBe(false);
    expect(lock.holder()).toBeNull();
  });

  test('a second acquire while the first holds the lock names the holder', () => {
    const first = new ApplyLock(dir);
    first.acquire('apply first.yaml');
    const error = caught(() => new ApplyLock(dir).acquire('apply second.yaml'));
    expect(error.code).toBe('E_LOCKED');
    expect(error.message).toContain(`pid ${process.pid} on ${os.hostname()}, running "apply first.yaml" since `);
    expect(error.message).toContain(path.join(dir, 'lock'));
    // The refused one did not take the lock away.
    expect(first.holder()?.command).toBe('apply first.yaml');
    first.release();
    new ApplyLock(dir).acquire('apply second.yaml');
  });

  test('a lock left by a dead process on this host is taken over', () => {
    writeHolder({ pid: deadPid(), hostname: os.hostname(), command: 'apply crashed.yaml', since: '2026-01-01T00:00:00.000Z' });
    const lock = new ApplyLock(dir);
    lock.acquire('recover');
    expect(lock.holder()).toMatchObject({ pid: process.pid, command: 'recover' });
    lock.release();
  });

  test('a lock held on another host is never taken over, even with a pid that is dead here', () => {
    writeHolder({ pid: deadPid(), hostname: `not-${os.hostname()}`, command: 'apply elsewhere.yaml', since: '2026-01-01T00:00:00.000Z' });
    const error = caught(() => new ApplyLock(dir).acquire('apply here.yaml'));
    expect(error.code).toBe('E_LOCKED');
    expect(error.message).toContain(`on not-${os.hostname()}, running "apply elsewhere.yaml"`);
    expect(error.hint).not.toMatch(/remove|delete|rm /);
  });

  test('a lock that parker cannot have written (torn, a list, a directory, null) is refused with E_STATE_CORRUPT, never taken over', () => {
    const file = path.join(dir, 'lock');
    for (const text of ['{"pid": 12', '[1,2,3]', 'null', '', '{"pid":"x","hostname":1}']) {
      fs.writeFileSync(file, text);
      const error = caught(() => new ApplyLock(dir).acquire('apply layout.yaml'));
      expect(error.code).toBe('E_STATE_CORRUPT');
      expect(error.message).toContain(file);
      expect(fs.readFileSync(file, 'utf8')).toBe(text);
    }
    fs.rmSync(file);
    fs.mkdirSync(file);
    const error = caught(() => new ApplyLock(dir).acquire('apply layout.yaml'));
    expect(error.code).toBe('E_STATE_CORRUPT');
    expect(error.message).toContain('a directory');
  });

  test('a symbolic link in the lock\'s place, dangling or to a lock, is refused with E_STATE_CORRUPT and left as it is', () => {
    const file = path.join(dir, 'lock');
    const holderFile = path.join(dir, 'elsewhere');
    fs.writeFileSync(holderFile, JSON.stringify({ pid: deadPid(), hostname: os.hostname(), command: 'apply crashed.yaml', since: '2026-01-01T00:00:00.000Z' }) + '\n');
    for (const target of [path.join(dir, 'nowhere'), holderFile]) {
      fs.symlinkSync(target, file);
      const error = caught(() => new ApplyLock(dir).acquire('apply layout.yaml'));
      expect(error.code).toBe('E_STATE_CORRUPT');
      expect(error.message).toContain('a symbolic link');
      expect(error.hint).toContain(`mv ${file} ${file}.damaged`);
      expect(fs.readlinkSync(file)).toBe(target);
      fs.rmSync(file);
    }
  });

  test('taking the lock removes what parkers killed while taking it left beside it, and nothing else; a file it cannot remove does not keep it from holding the lock', () => {
    const dead = deadPid();
    const identity = (pid: number, hostname = os.hostname()) => JSON.stringify({ format: 'parker.lock/v1', pid, hostname, command: 'apply x.yaml', since: '2026-12-07T00:00:00.000Z' }) + '\n';
    fs.writeFileSync(path.join(dir, `lock.${dead}.123456`), identity(dead));
    const kept: [string, string][] = [
      // pid 1 lives: its file may be a lock being taken right now.
      ['lock.1.99', identity(1)],
      // A writer on another host sharing the directory is not judged from here.
      [`lock.${dead}.7`, identity(dead, `not-${os.hostname()}`)],
      // Not a parker's: another identity, or none.
      [`lock.${dead}.8`, identity(dead + 1)],
      [`lock.${dead}.9`, 'not json'],
      ['lock.damaged', identity(dead)],
      [`lock.stale.${dead}.42`, identity(dead)],
      ['journal.jsonl', '{}\n'],
    ];
    for (const [name, text] of kept) fs.writeFileSync(path.join(dir, name), text);
    fs.mkdirSync(path.join(dir, `lock.${dead}.10`));
    const lock = new ApplyLock(dir);
    lock.acquire('apply layout.yaml');
    expect(fs.readdirSync(dir).sort()).toEqual(['lock', `lock.${dead}.10`, ...kept.map(([name]) => name)].sort());
    expect(lock.holder()?.pid).toBe(process.pid);
    lock.release();
    expect(fs.existsSync(path.join(dir, 'lock'))).toBe(false);
  });

  test('the E_LOCKED hint of a live holder never says to remove the lock by hand', () => {
    const first = new ApplyLock(dir);
    first.acquire('apply first.yaml');
    const error = caught(() => new ApplyLock(dir).acquire('apply second.yaml'));
    expect(error.hint).not.toMatch(/remove|delete|rm /);
    first.release();
  });

  test('a lock whose pid now belongs to another process (start time differs) is taken over', () => {
    writeHolder({ pid: process.pid, hostname: os.hostname(), startTime: '1', command: 'apply old.yaml', since: '2026-01-01T00:00:00.000Z' });
    const lock = new ApplyLock(dir);
    lock.acquire('apply new.yaml');
    expect(lock.holder()?.command).toBe('apply new.yaml');
    lock.release();
  });

  test('release leaves alone a lock that another parker took after ours was removed by hand', () => {
    const first = new ApplyLock(dir);
    first.acquire('apply first.yaml');
    fs.rmSync(path.join(dir, 'lock'));
    writeHolder({ pid: process.pid, hostname: os.hostname(), command: 'apply second.yaml', since: '2026-01-01T00:00:00.000Z' });
    expect(first.stillHeld()).toBe(false);
    first.release();
    expect(new ApplyLock(dir).holder()?.command).toBe('apply second.yaml');
  });

  test('taking, refusing and taking over leave no file but the lock behind', () => {
    writeHolder({ pid: deadPid(), hostname: os.hostname(), command: 'apply crashed.yaml', since: '2026-01-01T00:00:00.000Z' });
    const lock = new ApplyLock(dir);
    lock.acquire('apply a.yaml');
    expect(() => new ApplyLock(dir).acquire('apply b.yaml')).toThrow('running "apply a.yaml"');
    expect(fs.readdirSync(dir)).toEqual(['lock']);
    lock.release();
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('release without holding leaves another holder alone', () => {
    const holder = new ApplyLock(dir);
    holder.acquire('apply first.yaml');
    new ApplyLock(dir).release();
    expect(holder.holder()?.command).toBe('apply first.yaml');
    holder.release();
  });
});
