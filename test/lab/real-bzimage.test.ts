import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSize } from '../../src/units/size.js';
import { parseSizeAtBase } from '../../src/units/phys-range.js';
import { bzImageVersion, parseBzImage, type BzImageHeader } from '../../src/machines/sim/bzimage.js';
import { memorySimMachine } from '../../src/machines/sim/sim-machine.js';
import { assertLabReady, labDir, labKernelRelease } from './vm.js';

// The simulator against a real kernel image: the Debian bzImage the lab boots (no VM needed;
// it lives in the lab suite because only the lab cache holds a real kernel).

const MiB = 1024 * 1024;
const P = 'sys/fs/parker/lab';

describe("the simulator and the lab's real Debian bzImage", () => {
  let image: string;
  let initrd: string;
  let bytes: Uint8Array;

  beforeAll(() => {
    assertLabReady();
    image = path.join(labDir(), 'share/boot/vmlinuz');
    initrd = path.join(labDir(), 'share/boot/initrd.img');
    bytes = fs.readFileSync(image);
  });

  it('parses its setup header: boot protocol 2.15, relocatable, 64-bit, a plausible init_size', () => {
    const header: BzImageHeader = parseBzImage(bytes);
    expect(header).toMatchObject({ version: 0x020f, relocatable: true, kernel64: true, cmdlineSize: 2047, kernelAlignment: 2 * MiB, prefAddress: 16 * MiB });
    expect(header.payloadBytes).toBe(bytes.length - (header.setupSects + 1) * 512);
    // init_size covers the decompressed kernel: several times the compressed payload, page aligned.
    expect(header.initSize).toBeGreaterThan(2 * header.payloadBytes);
    expect(header.initSize).toBeLessThan(256 * MiB);
    expect(header.initSize % 4096).toBe(0);
    expect(bzImageVersion(bytes)).toBe(labKernelRelease());
  });

  it('kexec-loads it into a partition window and boots it there', async () => {
    const m = memorySimMachine();
    m.fs.mkdir(P);
    m.fs.write(`${P}/cpus`, '8-15');
    m.fs.write(`${P}/memory`, '1G');
    const memory = m.fs.read(`${P}/memory`).trim();
    const control = m.fs.read(`${P}/control_structure`).trim();
    const window = parseSizeAtBase(memory, parseSize);
    const cmdline = `console=ttyS1 parker=${control} memmap=exactmap memmap=${memory}`;
    await m.kexec!.load({ image, initrd, cmdline, window });
    expect(m.fs.read('sys/kernel/kexec_loaded').trim()).toBe('1');
    const initSize = parseBzImage(bytes).initSize;
    expect(m.kernel.kexec).toEqual({ path: image, version: labKernelRelease(), cmdline, initrd, placedAt: { start: window.start, end: window.start + initSize - 1 } });
    m.fs.write(`${P}/online`, '1');
    expect(m.fs.read(`${P}/online`).trim()).toBe('1');
    expect(m.console!('lab').slice(0, 2)).toEqual([
      `[    0.000000] Linux version ${labKernelRelease()} (parker application kernel) #1 SMP PREEMPT_DYNAMIC`,
      `[    0.000000] Command line: ${cmdline}`,
    ]);
  });

  it('refuses a window that holds the image and initrd but not init_size with ENOMEM, as the real kexec does', async () => {
    // The same 48 MiB the lab VM's kexec refuses (test/lab/host-machine.test.ts).
    const m = memorySimMachine();
    const window = { start: 0x40000000, end: 0x42ffffff };
    await expect(m.kexec!.load({ image, initrd, cmdline: 'console=ttyS1', window })).rejects.toMatchObject({ errno: 'ENOMEM' });
    expect(m.kexec!.loaded()).toBe(false);
  });
});
