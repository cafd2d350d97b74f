import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BzImageError, bzImageVersion, makeTestBzImage, parseBzImage } from './bzimage.js';
import { memorySimMachine } from './sim-machine.js';

// kexec on the simulated machine: the setup-header checks kexec makes on a bzImage, and
// the one global loaded image.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-kexec-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let files = 0;
function imageFile(bytes: Uint8Array | string): string {
  const file = path.join(dir, `image-${files++}`);
  fs.writeFileSync(file, bytes);
  return file;
}

function refusal(bytes: Uint8Array): string {
  try {
    parseBzImage(bytes);
  } catch (e) {
    if (e instanceof BzImageError) return e.message;
    throw e;
  }
  return 'accepted';
}

function patched(change: (bytes: Uint8Array) => void): Uint8Array {
  const bytes = makeTestBzImage();
  change(bytes);
  return bytes;
}

describe('parseBzImage', () => {
  it('accepts the test image and reads its setup header', () => {
    const image = makeTestBzImage({ version: '6.1.0-unit' });
    expect(parseBzImage(image)).toEqual({
      setupSects: 4,
      version: 0x020f,
      relocatable: true,
      kernel64: true,
      initSize: 32 * 2 ** 20,
      cmdlineSize: 2047,
      kernelAlignment: 2 * 2 ** 20,
      prefAddress: 16 * 2 ** 20,
      payloadBytes: 64 * 1024,
    });
    expect(bzImageVersion(image)).toBe('6.1.0-unit');
  });

  it('refuses what kexec refuses, saying why', () => {
    expect(refusal(new Uint8Array(100))).toBe('too short for a bzImage (100 bytes)');
    expect(refusal(patched((b) => (b[0x1fe] = 0)))).toBe('no boot sector signature 0xAA55 at 0x1fe');
    expect(refusal(patched((b) => b.set([0x48, 0x64, 0x72, 0x58], 0x202)))).toBe('no "HdrS" setup header magic at 0x202: not a bzImage');
    expect(refusal(makeTestBzImage({ protocol: 0x020b }))).toBe('boot protocol 2.11 is older than 2.12 (needed for a 64-bit entry)');
    expect(refusal(makeTestBzImage({ protocol: 0x020c }))).toBe('accepted');
    expect(refusal(patched((b) => (b[0x211] = 0)))).toBe('not loaded high (LOADED_HIGH flag clear): a zImage, not a bzImage');
    expect(refusal(patched((b) => (b[0x234] = 0)))).toBe('not relocatable: it cannot be loaded inside a partition window');
    expect(refusal(patched((b) => (b[0x236] = 0x02)))).toBe('no 64-bit entry point (XLF_KERNEL_64 clear)');
    expect(refusal(makeTestBzImage({ initSize: 4096 }))).toBe('init_size 4096 is smaller than the payload (65536)');
  });
});

describe('machine.kexec', () => {
  const window = { start: 0x100000000, end: 0x100000000 + 2 ** 30 - 1 };

  it('loads a valid image and unloads it', async () => {
    const m = memorySimMachine();
    expect(m.fs.read('sys/kernel/kexec_loaded')).toBe('0\n');
    await m.kexec!.load({ image: imageFile(makeTestBzImage()), cmdline: 'console=ttyS1', window });
    expect(m.kexec!.loaded()).toBe(true);
    expect(m.fs.read('sys/kernel/kexec_loaded')).toBe('1\n');
    await m.kexec!.unload();
    expect(m.kexec!.loaded()).toBe(false);
    expect(m.fs.read('sys/kernel/kexec_loaded')).toBe('0\n');
  });

  it('refuses a file that is not a bzImage (ENOEXEC) and a missing file (ENOENT), keeping the loaded image', async () => {
    const m = memorySimMachine();
    await m.kexec!.load({ image: imageFile(makeTestBzImage()), cmdline: '' });
    await expect(m.kexec!.load({ image: imageFile('#!/bin/sh\necho not a kernel\n'), cmdline: '' })).rejects.toMatchObject({ errno: 'ENOEXEC' });
    await expect(m.kexec!.load({ image: imageFile(makeTestBzImage({ protocol: 0x0206 })), cmdline: '' })).rejects.toMatchObject({ errno: 'ENOEXEC' });
    await expect(m.kexec!.load({ image: path.join(dir, 'no-such-image'), cmdline: '' })).rejects.toMatchObject({ errno: 'ENOENT' });
    expect(m.kexec!.loaded()).toBe(true);
  });

  it('refuses a window smaller than init_size (ENOMEM)', async () => {
    const m = memorySimMachine();
    const image = imageFile(makeTestBzImage({ initSize: 32 * 2 ** 20 }));
    const small = { start: 0x480000000, end: 0x480000000 + 32 * 2 ** 20 - 2 };
    await expect(m.kexec!.load({ image, cmdline: '', window: small })).rejects.toMatchObject({ errno: 'ENOMEM' });
    // The image is placed at the kernel alignment (2 MiB) at or above the window start.
    const unaligned = { start: 0x480000000 + 4096, end: 0x480000000 + 32 * 2 ** 20 + 4095 };
    await expect(m.kexec!.load({ image, cmdline: '', window: unaligned })).rejects.toMatchObject({ errno: 'ENOMEM' });
    await m.kexec!.load({ image, cmdline: '', window: { start: 0x480000000, end: 0x480000000 + 32 * 2 ** 20 - 1 } });
    expect(m.kexec!.loaded()).toBe(true);
  });

  it('refuses a command line longer than the header cmdline_size (EINVAL)', async () => {
    const m = memorySimMachine();
    const image = imageFile(makeTestBzImage({ cmdlineSize: 64 }));
    await expect(m.kexec!.load({ image, cmdline: 'x'.repeat(65), window })).rejects.toMatchObject({ errno: 'EINVAL' });
    expect(m.kexec!.loaded()).toBe(false);
    await m.kexec!.load({ image, cmdline: 'x'.repeat(64), window });
    expect(m.kexec!.loaded()).toBe(true);
  });

  it('holds one global image: a second load replaces the first', async () => {
    const m = memorySimMachine();
    m.fs.mkdir('sys/fs/parker/db');
    m.fs.write('sys/fs/parker/db/cpus', '8-15');
    m.fs.write('sys/fs/parker/db/memory', '1G');
    const cmdline = 'parker=0x7f001000 memmap=exactmap nokaslr memmap=1G@0x100000000';
    await m.kexec!.load({ image: imageFile(makeTestBzImage({ version: '6.1.0-first' })), cmdline, window });
    await m.kexec!.load({ image: imageFile(makeTestBzImage({ version: '6.1.0-second' })), cmdline: `${cmdline} quiet`, window });
    m.fs.write('sys/fs/parker/db/online', '1');
    expect(m.console!('db').slice(0, 2)).toEqual([
      '[    0.000000] Linux version 6.1.0-second (parker application kernel) #1 SMP PREEMPT_DYNAMIC',
      `[    0.000000] Command line: ${cmdline} quiet`,
    ]);
    // The image stays loaded after the start, as kexec_loaded shows on the real kernel.
    expect(m.kexec!.loaded()).toBe(true);
    expect(m.fs.read('sys/kernel/kexec_loaded').trim()).toBe('1');
  });
});
