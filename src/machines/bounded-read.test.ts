import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBoundedFile } from './bounded-read.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-bounded-read-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function fileOf(name: string, bytes: Uint8Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

describe('readBoundedFile', () => {
  it('gives back every byte of files of any size up to the limit, and nothing more', () => {
    for (const size of [0, 1, 4095, 65536, (1 << 20) + 3, 3 * (1 << 20)]) {
      const bytes = new Uint8Array(size).map((_, i) => (i * 31 + 7) & 0xff);
      const read = readBoundedFile(fileOf(`f${size}`, bytes), 4 << 20, 'test file');
      expect(read.length, `size ${size}`).toBe(size);
      expect(Buffer.compare(read, Buffer.from(bytes)), `size ${size}`).toBe(0);
    }
  });

  it('refuses a file over the limit by its size, and one exactly at it is read', () => {
    const file = fileOf('big', new Uint8Array(1000).fill(1));
    expect(() => readBoundedFile(file, 999, 'test file')).toThrow(expect.objectContaining({ code: 'E_TOO_BIG' }));
    expect(readBoundedFile(file, 1000, 'test file').length).toBe(1000);
  });

  it('stops a file that says it is empty but is not (as procfs files do) at the limit', () => {
    // /proc/self/status reports size 0 and holds about 1.5 KB.
    expect(readBoundedFile('/proc/self/status', 64 << 10, 'status').toString()).toContain('Name:');
    expect(() => readBoundedFile('/proc/self/status', 100, 'status')).toThrow(expect.objectContaining({ code: 'E_TOO_BIG' }));
  });
});
