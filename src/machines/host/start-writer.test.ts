import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isKernelError } from '../kernel-error.js';
import { hostMachine } from './host-machine.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-start-root-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('starting a partition on a host', () => {
  it('does not hang when the kernel never comes up: the writer is left waiting, parker goes on', () => {
    // A FIFO with no reader blocks its writer, as the boot kernel's busy-wait does.
    const dir = path.join(root, 'sys/fs/parker/a');
    fs.mkdirSync(dir, { recursive: true });
    execFileSync('mkfifo', [path.join(dir, 'online')]);
    const machine = hostMachine(root, true);
    const t0 = Date.now();
    machine.fs.write('sys/fs/parker/a/online', '1');
    const waited = Date.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(1500);
    expect(waited).toBeLessThan(10_000);
    // Release the writer: it wrote what parker gave it.
    expect(fs.readFileSync(path.join(dir, 'online'), 'utf8')).toBe('1\n');
  });

  it('returns at once when the write completes, and reports a refusal with its errno', () => {
    const dir = path.join(root, 'sys/fs/parker/b');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'online'), '0\n');
    const machine = hostMachine(root, true);
    machine.fs.write('sys/fs/parker/b/online', '1');
    expect(fs.readFileSync(path.join(dir, 'online'), 'utf8')).toBe('1\n');
    let errno: string | null = null;
    try {
      machine.fs.write('sys/fs/parker/missing/online', '1');
    } catch (e) {
      errno = isKernelError(e) ? e.errno : 'other';
    }
    expect(errno).toBe('ENOENT');
  });

  it('writes other files in-process, and never when opened read-only', () => {
    fs.mkdirSync(path.join(root, 'sys/devices/system/cpu/cpu1'), { recursive: true });
    fs.writeFileSync(path.join(root, 'sys/devices/system/cpu/cpu1/online'), '1\n');
    hostMachine(root, true).fs.write('sys/devices/system/cpu/cpu1/online', '0');
    expect(fs.readFileSync(path.join(root, 'sys/devices/system/cpu/cpu1/online'), 'utf8')).toBe('0');
    expect(() => hostMachine(root).fs.write('sys/fs/parker/b/online', '1')).toThrow(/EROFS/);
  });
});
