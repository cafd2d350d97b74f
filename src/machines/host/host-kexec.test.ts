import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileTree, TreeFs } from '../file-tree.js';
import { hostKexec, kexecArgs, kexecErrno, parseKexecSegments } from './host-kexec.js';

// kexec through kexec-tools. The refusal texts are what kexec-tools 2.0.25 printed in the
// QEMU lab (test/lab/host-machine.test.ts runs the real one); here a stand-in script prints
// them, so nothing is ever loaded on this computer.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-host-kexec-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A stand-in kexec that prints `stderr` and exits with `code`. */
function fakeKexec(name: string, stderr: string, code: number): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' '${stderr}' >&2\nexit ${code}\n`, { mode: 0o755 });
  return file;
}

/** What kexec-tools 2.0.25 `kexec -d -l` listed in the lab for a partition at 0x100000000 (abridged). */
const DEBUG_LISTING = [
  'Try bzImage64',
  'kernel: 0x7f1c2a5fe010 kernel_size: 0x44f200',
  'nr_segments = 5',
  'segment[0].buf   = 0x5581d0a3e6a0',
  'segment[0].bufsz = 0x70',
  'segment[0].mem   = 0x100000000',
  'segment[0].memsz = 0x1000',
  'segment[1].buf   = 0x5581d0a3f000',
  'segment[1].bufsz = 0x6000',
  'segment[1].mem   = 0x13ffd9000',
  'segment[1].memsz = 0x7000',
  'segment[2].buf   = 0x7f1c2a1ff010',
  'segment[2].bufsz = 0x3fe000',
  'segment[2].mem   = 0x13fbdb000',
  'segment[2].memsz = 0x3fe000',
].join('\n');

/** A stand-in kexec that prints `listing` on stderr and succeeds. */
function listingKexec(name: string, listing: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `#!/bin/sh\ncat >&2 <<'EOF'\n${listing}\nEOF\nexit 0\n`, { mode: 0o755 });
  return file;
}

const kexecLoaded = (value: string) => new TreeFs(new FileTree().file('sys/kernel/kexec_loaded', `${value}\n`));
const request = { image: '/boot/vmlinuz', initrd: '/boot/initrd.img', cmdline: 'console=ttyS0 quiet' };
const windowed = { ...request, window: { start: 0x100000000, end: 0x13fffffff } };

describe('kexecArgs', () => {
  it('never uses kexec_file_load (-s): without a window it refuses', () => {
    expect(() => kexecArgs(request)).toThrow(expect.objectContaining({ code: 'E_KEXEC', message: expect.stringMatching(/kexec_file_load/) }));
  });

  it('uses kexec_load with the window as --mem-min/--mem-max (inclusive end), with -d to list the segments', () => {
    expect(kexecArgs({ image: '/boot/vmlinuz', cmdline: 'x', window: { start: 0x100000000, end: 0x13fffffff } })).toEqual([
      '-d',
      '-l',
      '/boot/vmlinuz',
      '--append=x',
      '--mem-min=0x100000000',
      '--mem-max=0x13fffffff',
    ]);
  });
});

describe('kexecErrno', () => {
  it('names the errno of each refusal kexec-tools prints', () => {
    expect(kexecErrno('Failed to open file /mnt/lab/boot/no-such-vmlinuz:No such file or directory')).toBe('ENOENT');
    expect(kexecErrno('Cannot determine the file type of /mnt/lab/boot/kernel-release')).toBe('ENOEXEC');
    expect(kexecErrno('Could not find a free area of memory of 0x3f98000 bytes...\nlocate_hole failed')).toBe('ENOMEM');
    expect(kexecErrno('kexec_file_load failed: Operation not permitted')).toBe('EPERM');
    expect(kexecErrno('something else went wrong')).toBeNull();
  });
});

describe('parseKexecSegments', () => {
  it("reads each segment's physical range from kexec-tools' debug listing", () => {
    expect(parseKexecSegments(DEBUG_LISTING)).toEqual([
      { start: 0x100000000, end: 0x100000fff },
      { start: 0x13ffd9000, end: 0x13ffdffff },
      { start: 0x13fbdb000, end: 0x13ffd8fff },
    ]);
    expect(parseKexecSegments('kexec_load failed: Invalid argument')).toEqual([]);
  });
});

describe('hostKexec', () => {
  it('turns a refusal into a KernelError with its errno and kexec-tools output', async () => {
    const kexec = hostKexec(kexecLoaded('0'), fakeKexec('small-window', 'Could not find a free area of memory of 0x3f98000 bytes...', 255));
    await expect(kexec.load({ ...request, window: { start: 0x40000000, end: 0x42ffffff } })).rejects.toMatchObject({
      name: 'KernelError',
      errno: 'ENOMEM',
      op: 'kexec',
      path: '/boot/vmlinuz',
      message: 'kexec /boot/vmlinuz: ENOMEM (Could not find a free area of memory of 0x3f98000 bytes...)',
    });
  });

  it("quotes what went wrong, not kexec-tools' -d listing of memory ranges and segments", async () => {
    // The output kexec-tools 2.0.25 -d gave on the lab VM for a file that is no kernel.
    const output = [
      'kernel: 0x5603620a12a0 kernel_size: 0xf',
      'MEMORY RANGES',
      '000000007ffd7000-000000007fffffff (1)',
      '00000000b0000000-00000000bfffffff (1)',
      '0000000100000000-000000013fffffff (0)',
      'Try gzip decompression.',
      'Cannot determine the file type of /boot/vmlinuz',
    ].join('\n');
    const kexec = hostKexec(kexecLoaded('0'), fakeKexec('debug-listing', output, 255));
    await expect(kexec.load(windowed)).rejects.toMatchObject({ errno: 'ENOEXEC', message: 'kexec /boot/vmlinuz: ENOEXEC (Cannot determine the file type of /boot/vmlinuz)' });
  });

  it('says clearly that kexec-tools cannot be run when it is not installed, not EINVAL or ENOENT of the image', async () => {
    const kexec = hostKexec(kexecLoaded('0'), path.join(dir, 'no-such-kexec'));
    await expect(kexec.load(windowed)).rejects.toMatchObject({ name: 'ParkerError', code: 'E_KEXEC', message: expect.stringMatching(/^cannot run .*no-such-kexec \(kexec-tools\) to load \/boot\/vmlinuz: ENOENT/) });
  });

  it('reports a failure kexec-tools does not name as it is, with its output, not as EINVAL', async () => {
    const kexec = hostKexec(kexecLoaded('0'), fakeKexec('odd', 'something else went wrong', 1));
    await expect(kexec.load(windowed)).rejects.toMatchObject({ code: 'E_KEXEC', message: 'kexec could not load /boot/vmlinuz: exit 1: something else went wrong' });
  });

  it('keeps the segments kexec -d listed, while its image is loaded', async () => {
    const fsys = new FileTree().file('sys/kernel/kexec_loaded', '1\n');
    const kexec = hostKexec(new TreeFs(fsys), listingKexec('listing', DEBUG_LISTING));
    expect(kexec.segments()).toBeNull();
    await kexec.load(windowed);
    expect(kexec.segments()).toHaveLength(3);
    expect(kexec.segments()![0]).toEqual({ start: 0x100000000, end: 0x100000fff });
    // Unloaded by someone else: nothing this process loaded is there any more.
    fsys.file('sys/kernel/kexec_loaded', '0\n');
    expect(kexec.segments()).toBeNull();
    fsys.file('sys/kernel/kexec_loaded', '1\n');
    await kexec.unload();
    expect(kexec.segments()).toBeNull();
  });

  it('knows no segments when kexec -d lists none', async () => {
    const kexec = hostKexec(kexecLoaded('1'), fakeKexec('silent', '', 0));
    await kexec.load(windowed);
    expect(kexec.segments()).toBeNull();
  });

  it('resolves when kexec succeeds and reads loaded() from sys/kernel/kexec_loaded', async () => {
    await expect(hostKexec(kexecLoaded('1'), fakeKexec('ok', '', 0)).load(windowed)).resolves.toBeUndefined();
    expect(hostKexec(kexecLoaded('1')).loaded()).toBe(true);
    expect(hostKexec(kexecLoaded('0')).loaded()).toBe(false);
    expect(hostKexec(new TreeFs(new FileTree()), 'kexec').loaded()).toBe(false);
  });
});
