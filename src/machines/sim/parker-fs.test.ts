import { describe, expect, it } from 'vitest';
import { errnoOf } from '../../../test/fixtures/errno-of.js';
import type { KernelFs } from '../machine.js';
import { memorySimMachine } from './sim-machine.js';
import { gatherSnapshot } from '../../snapshot/snapshot.js';
import { discover } from '../../topology/discover.js';

// The control filesystem as parker-kernel-interface.md describes it, driven only through
// machine.fs as a tool would drive /sys/fs/parker.

const P = 'sys/fs/parker';
const CPU = 'sys/devices/system/cpu';
const GiB = 2 ** 30;
/** available_pages of a pool when nothing is allocated: 48 GiB of 4 KiB pages. */
const POOL_PAGES = (48 * GiB) / 4096;


const read = (fs: KernelFs, path: string) => fs.read(path).trim();
/** A pool's free pages as discovery reads them (6.12: size from /proc/zoneinfo, less what the counters hold). */
const available = (fs: KernelFs, pool: string) => String(discover({ kind: 'sim', description: 'test', fs }).cma.find((a) => a.name === pool)?.availablePages);

function partition(fs: KernelFs, name: string, cpus?: string, memory?: string): void {
  fs.mkdir(`${P}/${name}`);
  if (cpus !== undefined) fs.write(`${P}/${name}/cpus`, cpus);
  if (memory !== undefined) fs.write(`${P}/${name}/memory`, memory);
}

describe('the control filesystem', () => {
  it('exists only when the boot command line has parker_cma=', () => {
    const off = memorySimMachine({ kind: 'default' }, 'BOOT_IMAGE=/boot/vmlinuz root=/dev/nvme0n1p2 ro');
    expect(off.fs.exists(P)).toBe(false);
    expect(off.fs.exists('sys/kernel/mm/cma/parker0')).toBe(false);
    expect(errnoOf(() => off.fs.mkdir(`${P}/db`))).toBe('ENOENT');
    expect(memorySimMachine().fs.list(P)).toEqual([]);
  });

  it('starts empty on a machine made from a snapshot of a Parker host that had partitions', () => {
    const host = memorySimMachine();
    partition(host.fs, 'db', '8-15', '4G');
    const bytes = gatherSnapshot(host, { hostname: null, parkerVersion: 'test', now: new Date(0) }).bytes;
    const copy = memorySimMachine({ kind: 'archive', path: 'parker-host.tar.gz' }, undefined, bytes);
    expect(copy.fs.list(P)).toEqual([]);
    expect(available(copy.fs, 'parker0')).toBe(String(POOL_PAGES));
    // The CPUs the snapshot shows offline stay offline, now without an owner.
    expect(read(copy.fs, `${CPU}/offline`)).toBe('8-15');
    copy.fs.write(`${CPU}/cpu8/online`, '1');
    expect(read(copy.fs, `${CPU}/offline`)).toBe('9-15');
  });

  it('makes a partition with every file of the interface on mkdir at the root', () => {
    const { fs } = memorySimMachine();
    fs.mkdir(`${P}/db`);
    expect(fs.list(P)).toEqual(['db']);
    expect(fs.list(`${P}/db`)).toEqual(['bind', 'control_structure', 'cpus', 'devices', 'id', 'memory', 'online', 'unbind']);
    expect(fs.isDirectory(`${P}/db/devices`)).toBe(true);
    expect(fs.list(`${P}/db/devices`)).toEqual([]);
    expect(['id', 'control_structure', 'cpus', 'online'].map((f) => read(fs, `${P}/db/${f}`))).toEqual(['1', '0x7f001000', '', '0']);
    // memory is EINVAL to read until written (measured on the real kernel).
    expect(errnoOf(() => fs.read(`${P}/db/memory`))).toBe('EINVAL');
  });

  it('refuses mkdir deeper than the root (EINVAL) and a second mkdir of a name (EEXIST)', () => {
    const { fs } = memorySimMachine();
    fs.mkdir(`${P}/db`);
    expect(errnoOf(() => fs.mkdir(`${P}/db`))).toBe('EEXIST');
    expect(errnoOf(() => fs.mkdir(`${P}/db/inner`))).toBe('EINVAL');
    expect(errnoOf(() => fs.mkdir(`${P}/db/devices/inner`))).toBe('EINVAL');
    expect(fs.list(P)).toEqual(['db']);
  });

  it('numbers a partition with the count of partitions once it is made (the RFC counter): ids are reused and can repeat', () => {
    const { fs } = memorySimMachine();
    for (const name of ['a', 'b', 'c']) fs.mkdir(`${P}/${name}`);
    expect(['a', 'b', 'c'].map((n) => read(fs, `${P}/${n}/id`))).toEqual(['1', '2', '3']);
    fs.rmdir(`${P}/b`);
    fs.mkdir(`${P}/d`);
    expect(read(fs, `${P}/d/id`)).toBe('3');
    fs.mkdir(`${P}/e`);
    expect(read(fs, `${P}/e/id`)).toBe('4');
    // Each partition has its own control page.
    expect(new Set(['a', 'c', 'd', 'e'].map((n) => read(fs, `${P}/${n}/control_structure`))).size).toBe(4);
  });

  it('refuses writes to id and control_structure (EINVAL, as `echo 5 > id` on the real kernel); bind and unbind read empty (no show function)', () => {
    const { fs } = memorySimMachine();
    fs.mkdir(`${P}/db`);
    expect(errnoOf(() => fs.write(`${P}/db/id`, '7'))).toBe('EINVAL');
    expect(errnoOf(() => fs.write(`${P}/db/control_structure`, '0x1000'))).toBe('EINVAL');
    expect(read(fs, `${P}/db/bind`)).toBe('');
    expect(read(fs, `${P}/db/unbind`)).toBe('');
    expect(read(fs, `${P}/db/control_structure`)).toBe('0x7f001000');
  });
});

describe('cpus', () => {
  it('offlines CPUs still online in the boot kernel: online file, topology, node cpulist, cpu/online', () => {
    const { fs } = memorySimMachine();
    expect(fs.list(`${CPU}/cpu8`)).toEqual(['cache', 'node0', 'online', 'topology']);
    partition(fs, 'db', '8-15');
    expect(read(fs, `${P}/db/cpus`)).toBe('8-15');
    expect(read(fs, `${CPU}/cpu8/online`)).toBe('0');
    expect(read(fs, `${CPU}/cpu15/online`)).toBe('0');
    expect(read(fs, `${CPU}/cpu16/online`)).toBe('1');
    expect(fs.list(`${CPU}/cpu8`)).toEqual(['node0', 'online']);
    expect(read(fs, 'sys/devices/system/node/node0/cpulist')).toBe('0-7,16-31,128-159');
    expect(read(fs, `${CPU}/online`)).toBe('0-7,16-255');
    expect(read(fs, `${CPU}/offline`)).toBe('8-15');
  });

  it('is write-once: a second write, even of the same list, is EINVAL and changes nothing (measured)', () => {
    const { fs } = memorySimMachine();
    partition(fs, 'db', '8-15');
    expect(errnoOf(() => fs.write(`${P}/db/cpus`, '12-19'))).toBe('EINVAL');
    expect(errnoOf(() => fs.write(`${P}/db/cpus`, '8-15'))).toBe('EINVAL');
    expect(read(fs, `${P}/db/cpus`)).toBe('8-15');
    expect(read(fs, `${CPU}/offline`)).toBe('8-15');
  });

  it('a partition on node 1 takes its CPUs out of node 1 only', () => {
    const { fs } = memorySimMachine();
    partition(fs, 'db', '40-47');
    expect(read(fs, 'sys/devices/system/node/node0/cpulist')).toBe('0-31,128-159');
    expect(read(fs, 'sys/devices/system/node/node1/cpulist')).toBe('32-39,48-63,160-191');
    expect(read(fs, 'sys/devices/system/node/node0/cpumap')).toBe('00000000,00000000,00000000,ffffffff,00000000,00000000,00000000,ffffffff');
    expect(read(fs, 'sys/devices/system/node/node1/cpumap')).toBe('00000000,00000000,ffffffff,00000000,00000000,00000000,ffff00ff,00000000');
  });

  it('accepts CPU 0 silently and leaves it online in the boot kernel (measured)', () => {
    const { fs } = memorySimMachine();
    partition(fs, 'db', '0');
    expect(read(fs, `${P}/db/cpus`)).toBe('0');
    expect(read(fs, `${CPU}/online`)).toBe('0-255');
  });

  it('refuses a CPU of another partition (EINVAL), unknown CPUs and garbage, changing nothing', () => {
    const { fs } = memorySimMachine();
    partition(fs, 'a', '8-15');
    partition(fs, 'b');
    expect(errnoOf(() => fs.write(`${P}/b/cpus`, '16-23,15'))).toBe('EINVAL');
    expect(errnoOf(() => fs.write(`${P}/b/cpus`, '250-257'))).toBe('EINVAL');
    expect(errnoOf(() => fs.write(`${P}/b/cpus`, 'all'))).toBe('EINVAL');
    expect(read(fs, `${P}/b/cpus`)).toBe('');
    // Nothing was offlined by the refused writes.
    expect(read(fs, `${CPU}/offline`)).toBe('8-15');
  });
});

describe('memory', () => {
  it('needs cpus first (EINVAL)', () => {
    const { fs } = memorySimMachine();
    fs.mkdir(`${P}/db`);
    expect(errnoOf(() => fs.write(`${P}/db/memory`, '4G'))).toBe('EINVAL');
    expect(errnoOf(() => fs.read(`${P}/db/memory`))).toBe('EINVAL');
  });

  it('comes from the pool of the node of the lowest-numbered CPU and reads back as BYTES@0xBASE', () => {
    const { fs } = memorySimMachine();
    // CPU 8 is on node 0, CPUs 40-47 on node 1; the kernel's first CPU is the lowest one.
    partition(fs, 'a', '40-47,8', '4G');
    expect(read(fs, `${P}/a/memory`)).toBe(`${4 * GiB}@0x100000000`);
    partition(fs, 'b', '48-55', '2G');
    expect(read(fs, `${P}/b/memory`)).toBe(`${2 * GiB}@0x1080000000`);
    expect(available(fs, 'parker0')).toBe(String(POOL_PAGES - (4 * GiB) / 4096));
    expect(available(fs, 'parker1')).toBe(String(POOL_PAGES - (2 * GiB) / 4096));
  });

  it('takes whole GiB from the pool: a size that is not is granted, and the rest of its last GiB is lost to the pool', () => {
    const { fs } = memorySimMachine();
    partition(fs, 'db', '8-15');
    fs.write(`${P}/db/memory`, '1536M');
    expect(read(fs, `${P}/db/memory`)).toBe(`${1.5 * GiB}@0x100000000`);
    partition(fs, 'other', '16-23', '1G');
    expect(read(fs, `${P}/other/memory`)).toBe(`${GiB}@0x180000000`);
    fs.rmdir(`${P}/other`);
    expect(errnoOf(() => fs.write(`${P}/db/memory`, '0'))).toBe('EINVAL');
    expect(errnoOf(() => fs.write(`${P}/db/memory`, 'lots'))).toBe('EINVAL');
    fs.write(`${P}/db/memory`, '3072M');
    expect(read(fs, `${P}/db/memory`)).toBe(`${3 * GiB}@0x100000000`);
  });

  it('frees the old range when written again', () => {
    const { fs } = memorySimMachine();
    partition(fs, 'a', '8-15', '24G');
    partition(fs, 'b', '16-23', '16G');
    // Only 8 GiB are left: 20 GiB fit only because a's old 24 GiB went back first.
    fs.write(`${P}/a/memory`, '20G');
    expect(read(fs, `${P}/a/memory`)).toBe(`${20 * GiB}@0x100000000`);
    expect(available(fs, 'parker0')).toBe(String(((48 - 36) * GiB) / 4096));
  });

  it('fails with ENOMEM when the pool is exhausted and counts the failure', () => {
    const { fs } = memorySimMachine();
    partition(fs, 'a', '8-15', '48G');
    partition(fs, 'b', '16-23');
    expect(errnoOf(() => fs.write(`${P}/b/memory`, '1G'))).toBe('ENOMEM');
    expect(errnoOf(() => fs.read(`${P}/b/memory`))).toBe('EINVAL');
    expect(available(fs, 'parker0')).toBe('0');
    expect(read(fs, 'sys/kernel/mm/cma/parker0/alloc_pages_fail')).toBe(String(GiB / 4096));
    // Another node's pool is untouched.
    partition(fs, 'c', '40-47', '1G');
    expect(read(fs, `${P}/c/memory`)).toBe(`${GiB}@0x1080000000`);
  });

  it('fragments: a request larger than a freed hole does not fit in it even when the total free is enough', () => {
    const { fs } = memorySimMachine();
    partition(fs, 'a', '8-15', '16G');
    partition(fs, 'b', '16-23', '8G');
    partition(fs, 'c', '24-31', '16G');
    fs.rmdir(`${P}/b`);
    // Free: the 8 GiB hole left by b and 8 GiB at the top, 16 GiB in all, no 12 GiB piece.
    expect(available(fs, 'parker0')).toBe(String((16 * GiB) / 4096));
    partition(fs, 'd', '128-135');
    expect(errnoOf(() => fs.write(`${P}/d/memory`, '12G'))).toBe('ENOMEM');
    // What fits the hole goes into it (first fit).
    fs.write(`${P}/d/memory`, '8G');
    expect(read(fs, `${P}/d/memory`)).toBe(`${8 * GiB}@0x500000000`);
    partition(fs, 'e', '136-143', '8G');
    expect(read(fs, `${P}/e/memory`)).toBe(`${8 * GiB}@0xb00000000`);
    expect(available(fs, 'parker0')).toBe('0');
  });
});

describe('bind and unbind', () => {
  const NVME1 = '0000:40:01.0';
  const dev = (address: string) => `sys/bus/pci/devices/${address}`;

  it('takes an enabled device from its driver and shows it under devices/; its driver link still names the old driver (measured)', () => {
    const { fs } = memorySimMachine();
    fs.mkdir(`${P}/db`);
    expect(fs.readlink(`${dev(NVME1)}/driver`)).toBe('../../../bus/pci/drivers/nvme');
    fs.write(`${P}/db/bind`, NVME1);
    expect(fs.list(`${P}/db/devices`)).toEqual([NVME1]);
    expect(fs.isDirectory(`${P}/db/devices/${NVME1}`)).toBe(true);
    expect(read(fs, `${dev(NVME1)}/enable`)).toBe('0');
    expect(fs.readlink(`${dev(NVME1)}/driver`)).toBe('../../../bus/pci/drivers/nvme');
    // The boot kernel cannot probe it while the partition holds it.
    expect(errnoOf(() => fs.write('sys/bus/pci/drivers_probe', NVME1))).toBe('EBUSY');
  });

  it('refuses a device whose driver the boot kernel unbound (EBUSY: not enabled)', () => {
    const { fs } = memorySimMachine();
    fs.mkdir(`${P}/db`);
    fs.write('sys/bus/pci/drivers/nvme/unbind', NVME1);
    expect(errnoOf(() => fs.write(`${P}/db/bind`, NVME1))).toBe('EBUSY');
    expect(fs.list(`${P}/db/devices`)).toEqual([]);
  });

  it('refuses PCI domains other than 0, unknown devices, garbage and devices of another partition', () => {
    const { fs } = memorySimMachine();
    fs.mkdir(`${P}/a`);
    fs.mkdir(`${P}/b`);
    // The kernel looks the name up on the PCI bus: anything that names no device is ENODEV;
    // it does not check the domain (the control structure has none).
    expect(errnoOf(() => fs.write(`${P}/a/bind`, '0000:7f:00.0'))).toBe('ENODEV');
    expect(errnoOf(() => fs.write(`${P}/a/bind`, 'nvme0'))).toBe('ENODEV');
    fs.write(`${P}/a/bind`, NVME1);
    expect(errnoOf(() => fs.write(`${P}/b/bind`, NVME1))).toBe('EBUSY');
    expect(fs.list(`${P}/b/devices`)).toEqual([]);
  });

  it('unbind gives the device back: the boot kernel probes it again', () => {
    const { fs } = memorySimMachine();
    fs.mkdir(`${P}/db`);
    fs.write(`${P}/db/bind`, NVME1);
    expect(errnoOf(() => fs.write(`${P}/db/unbind`, '0000:40:02.0'))).toBe('ENODEV');
    fs.write(`${P}/db/unbind`, NVME1);
    expect(fs.list(`${P}/db/devices`)).toEqual([]);
    expect(fs.readlink(`${dev(NVME1)}/driver`)).toBe('../../../bus/pci/drivers/nvme');
    expect(fs.list('sys/bus/pci/drivers/nvme')).toContain(NVME1);
    expect(read(fs, `${dev(NVME1)}/enable`)).toBe('1');
  });

  it('unbind is refused while the device is enabled (ENODEV, as the RFC returns)', () => {
    const { fs } = memorySimMachine();
    fs.mkdir(`${P}/db`);
    fs.write(`${P}/db/bind`, NVME1);
    fs.write(`${dev(NVME1)}/enable`, '1');
    expect(errnoOf(() => fs.write(`${P}/db/unbind`, NVME1))).toBe('ENODEV');
    expect(fs.list(`${P}/db/devices`)).toEqual([NVME1]);
  });
});

describe('online and rmdir without a kernel', () => {
  it('refuses a start without CPUs (EINVAL); without a kexec image the boot CPU spins and the writer waits for ever', () => {
    const m = memorySimMachine();
    m.fs.mkdir(`${P}/db`);
    expect(errnoOf(() => m.fs.write(`${P}/db/online`, '1'))).toBe('EINVAL');
    m.fs.write(`${P}/db/cpus`, '8-15');
    m.fs.write(`${P}/db/memory`, '4G');
    expect(m.kexec!.loaded()).toBe(false);
    expect(errnoOf(() => m.fs.write(`${P}/db/online`, '1'))).toBe('ETIMEDOUT');
    expect(m.partitionState!('db')?.state).toBe('hung');
  });

  it('rmdir gives everything back: CPUs online with their topology, memory to the pool, devices to their drivers', () => {
    const { fs } = memorySimMachine();
    partition(fs, 'db', '8-15,136-143', '8G');
    fs.write(`${P}/db/bind`, '0000:40:01.0');
    fs.rmdir(`${P}/db`);
    expect(fs.list(P)).toEqual([]);
    expect(read(fs, `${CPU}/online`)).toBe('0-255');
    expect(read(fs, `${CPU}/offline`)).toBe('');
    expect(read(fs, `${CPU}/cpu8/online`)).toBe('1');
    expect(fs.list(`${CPU}/cpu8`)).toEqual(['cache', 'node0', 'online', 'topology']);
    expect(read(fs, `${CPU}/cpu8/topology/core_id`)).toBe('8');
    expect(read(fs, 'sys/devices/system/node/node0/cpulist')).toBe('0-31,128-159');
    expect(available(fs, 'parker0')).toBe(String(POOL_PAGES));
    expect(read(fs, 'sys/kernel/mm/cma/parker0/release_pages_success')).toBe(String((8 * GiB) / 4096));
    expect(fs.readlink('sys/bus/pci/devices/0000:40:01.0/driver')).toBe('../../../bus/pci/drivers/nvme');
  });

  it('rmdir of an unknown partition is ENOENT; of devices/ or the root, EBUSY; of a file, ENOTDIR', () => {
    const { fs } = memorySimMachine();
    fs.mkdir(`${P}/db`);
    expect(errnoOf(() => fs.rmdir(`${P}/nope`))).toBe('ENOENT');
    expect(errnoOf(() => fs.rmdir(`${P}/db/devices`))).toBe('EBUSY');
    expect(errnoOf(() => fs.rmdir(`${P}/db/cpus`))).toBe('ENOTDIR');
    expect(errnoOf(() => fs.rmdir(P))).toBe('EBUSY');
    expect(fs.list(P)).toEqual(['db']);
  });
});
