import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bunzip2, isBzip2 } from './bzip2.js';
import { readTar } from './tar.js';

function bzip2Cli(data: Uint8Array, level: string): Uint8Array | null {
  try {
    return new Uint8Array(execFileSync('bzip2', ['-c', level], { input: data }));
  } catch {
    return null;
  }
}

describe('bunzip2', () => {
  it('unpacks the hwloc-gather-topology fixture to a tar', () => {
    const bytes = new Uint8Array(fs.readFileSync('test/fixtures/hwloc-gather-ia64.tar.bz2'));
    expect(isBzip2(bytes)).toBe(true);
    const entries = readTar(bunzip2(bytes));
    const file = entries.find((e) => e.path === 'altix/sys/devices/system/cpu/cpu5/topology/core_siblings');
    expect(file?.type === 'file' && new TextDecoder().decode(file.data)).toBe('30\n');
  });

  it('gives back what bzip2 packed: runs, text, random bytes, several blocks', () => {
    const runs = Uint8Array.from({ length: 30000 }, (_, i) => (Math.floor(i / 37) % 3) * 80);
    const text = new TextEncoder().encode('0-3,8\n'.repeat(40000));
    let seed = 7;
    const random = Uint8Array.from({ length: 150000 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    for (const data of [new Uint8Array(0), runs, text, random]) {
      const packed = bzip2Cli(data, '-1');
      if (packed === null) return; // no bzip2 here: the fixture above still checks the decoder
      expect(bunzip2(packed)).toEqual(data);
    }
  });

  it('refuses what is not bzip2', () => {
    expect(isBzip2(new Uint8Array([0x1f, 0x8b, 8, 0]))).toBe(false);
    expect(() => bunzip2(new Uint8Array([0x42, 0x5a, 0x68, 0x39, 1, 2, 3]))).toThrow('bzip2');
  });
});
