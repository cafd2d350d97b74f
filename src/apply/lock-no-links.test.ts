import * as os from 'node:os';
import * as path from 'node:path';
import * as realFs from 'node:fs';
import { afterAll, describe, expect, test, vi } from 'vitest';

// A state directory on a filesystem that cannot make hard links (the lock is linked into place):
// link() fails with EPERM there, as on vfat or some network filesystems.
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    linkSync: () => {
      throw Object.assign(new Error('EPERM: operation not permitted, link'), { code: 'EPERM', errno: -1, syscall: 'link' });
    },
  };
});

const { ApplyLock } = await import('./lock.js');

const dir = realFs.mkdtempSync(path.join(os.tmpdir(), 'parker-lock-nolink-'));
afterAll(() => realFs.rmSync(dir, { recursive: true, force: true }));

describe('ApplyLock on a filesystem without hard links', () => {
  test('fails with E_IO naming the lock and where to put the state instead, and leaves nothing behind', () => {
    const stateDir = path.join(dir, 'state');
    const lock = new ApplyLock(stateDir);
    let error: unknown;
    try {
      lock.acquire('apply');
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'E_IO' });
    expect((error as Error).message).toContain(`cannot take the lock ${path.join(stateDir, 'lock')}: operation not permitted`);
    expect((error as { hint?: string }).hint).toContain('--state-dir');
    expect(realFs.readdirSync(stateDir)).toEqual([]);
  });
});
