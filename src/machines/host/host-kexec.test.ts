import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileTree, TreeFs } from '../file-tree.js';
import { hostKexec, kexecArgs, kexecErrno } from './host-kexec.js';

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

const kexecLoaded = (value: string) => new TreeFs(new FileTree().file('sys/kernel/kexec_loaded', `${value}\n`));
const request = { image: '/boot/vmlinuz', initrd: '/boot/initrd.img', cmdline: 'console=ttyS0 quiet' };

describe('kexecArgs', () => {
  it('uses kexec_file_load (-s) without a window', () => {
    expect(kexecArgs(request)).toEqual(['-s', '-l', '/boot/vmlinuz', '--append=console=ttyS0 quiet', '--initrd=/boot/initrd.img']);
  });

  it('uses kexec_load with the window as --mem-min/--mem-max (inclusive end)', () => {
    expect(kexecArgs({ image: '/boot/vmlinuz', cmdline: 'x', window: { start: 0x100000000, end: 0x13fffffff } })).toEqual([
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
    expect(kexecErrno('something else went wrong')).toBe('EINVAL');
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

  it('says ENOENT when kexec-tools is not installed', async () => {
    const kexec = hostKexec(kexecLoaded('0'), path.join(dir, 'no-such-kexec'));
    await expect(kexec.load(request)).rejects.toMatchObject({ errno: 'ENOENT', op: 'kexec' });
  });

  it('resolves when kexec succeeds and reads loaded() from sys/kernel/kexec_loaded', async () => {
    await expect(hostKexec(kexecLoaded('1'), fakeKexec('ok', '', 0)).load(request)).resolves.toBeUndefined();
    expect(hostKexec(kexecLoaded('1')).loaded()).toBe(true);
    expect(hostKexec(kexecLoaded('0')).loaded()).toBe(false);
    expect(hostKexec(new TreeFs(new FileTree()), 'kexec').loaded()).toBe(false);
  });
});
