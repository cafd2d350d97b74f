import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { errnoOf } from '../../../test/fixtures/errno-of.js';
import { parseSize } from '../../units/size.js';
import { parseSizeAtBase, type PhysRange } from '../../units/phys-range.js';
import { defaultServerDescription } from '../../synthetic/default-server.js';
import { SYNTHETIC_NIC } from '../../synthetic/layout.js';
import { syntheticMachine } from '../../synthetic/tree.js';
import { gatherSnapshot } from '../../snapshot/snapshot.js';
import { discover } from '../../topology/discover.js';
import { makeTestBzImage } from './bzimage.js';
import { BOOT_MODEL } from './app-kernel.js';
import { SimHangError } from './sim-hang.js';
import { memorySimMachine, type SimMachine } from './sim-machine.js';

// Application kernels on the simulated machine: how they boot, how they fail, and the
// machine-global hazards they set off. Driven as a tool drives a machine: machine.fs,
// machine.kexec, machine.run, machine.console; status and events are read where
// `parker status` reads them.

const P = 'sys/fs/parker';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-app-kernel-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const IMAGE = path.join(dir, 'vmlinuz');
fs.writeFileSync(IMAGE, makeTestBzImage());


interface Prepared {
  name: string;
  /** The memory file: "4G@0x1480000000". */
  memory: string;
  control: string;
  range: PhysRange;
}

function prepare(m: SimMachine, name: string, cpus: string, size: string, devices: string[] = []): Prepared {
  m.fs.mkdir(`${P}/${name}`);
  m.fs.write(`${P}/${name}/cpus`, cpus);
  m.fs.write(`${P}/${name}/memory`, size);
  for (const device of devices) m.fs.write(`${P}/${name}/bind`, device);
  const memory = m.fs.read(`${P}/${name}/memory`).trim();
  return { name, memory, control: m.fs.read(`${P}/${name}/control_structure`).trim(), range: parseSizeAtBase(memory, parseSize) };
}

/** The command line a correct tool gives an application kernel. */
const cmdlineFor = (p: Prepared, extra = '') => `console=ttyS1 nokaslr parker=${p.control} memmap=exactmap memmap=${p.memory}${extra ? ` ${extra}` : ''}`;

/** `window` null: no memory window, kexec places the image where it likes. */
async function load(m: SimMachine, p: Prepared, cmdline = cmdlineFor(p), window: PhysRange | null = p.range): Promise<void> {
  await m.kexec!.load({ image: IMAGE, cmdline, ...(window ? { window } : {}) });
}

/** Prepares, loads and starts a kernel that comes online. */
async function start(m: SimMachine, name: string, cpus: string, size: string, options: { devices?: string[]; extra?: string } = {}): Promise<Prepared> {
  const p = prepare(m, name, cpus, size, options.devices);
  await load(m, p, cmdlineFor(p, options.extra));
  m.fs.write(`${P}/${name}/online`, '1');
  return p;
}

const online = (m: SimMachine, name: string) => m.fs.read(`${P}/${name}/online`).trim();
const status = (m: SimMachine, name: string) => m.kernel.partitions.get(name)?.status;
const hazardEvents = (m: SimMachine, hazard: string) => m.kernel.events.filter((e) => e.hazard === hazard).map((e) => `${e.severity}: ${e.message}`);

/** The default server with one more NIC that has neither MSI nor MSI-X (legacy INTx only). */
function machineWithIntxDevice(): SimMachine {
  const description = defaultServerDescription();
  description.pciDevices.push({ ...SYNTHETIC_NIC, msi: false, msixVectors: 0, sriovTotalVfs: 0, address: '0000:40:03.0', node: 1, iommuGroup: 11, parent: null, label: 'legacy INTx NIC' });
  const bytes = gatherSnapshot(syntheticMachine(description), { hostname: null, parkerVersion: 'test', now: new Date(0) }).bytes;
  return memorySimMachine({ kind: 'archive', path: 'intx-nic.tar.gz' }, undefined, bytes);
}

describe('a kernel with what it needs', () => {
  it('comes online after the modelled boot time with a boot log of its real resources', async () => {
    const m = memorySimMachine();
    const p = prepare(m, 'db', '40-47', '4G', ['0000:40:01.0']);
    await load(m, p);
    const before = m.clock!.now();
    m.fs.write(`${P}/db/online`, '1');
    expect(online(m, 'db')).toBe('1');
    expect(status(m, 'db')).toBe('online');
    const expectedMs = BOOT_MODEL.baseMs + 8 * BOOT_MODEL.perCpuMs + 4 * BOOT_MODEL.perGiBMs + 1 * BOOT_MODEL.perDeviceMs;
    expect(expectedMs).toBe(1482);
    expect(m.clock!.now() - before).toBe(expectedMs);
    expect(m.console!('db')).toEqual([
      '[    0.000000] Linux version 6.1.0-parker (parker application kernel) #1 SMP PREEMPT_DYNAMIC',
      '[    0.000000] Command line: console=ttyS1 nokaslr parker=0x7f001000 memmap=exactmap memmap=4294967296@0x1080000000',
      '[    0.000000] parker: partition 1 "db", control structure at 0x7f001000',
      '[    0.000000] BIOS-provided physical RAM map:',
      '[    0.000000] user: [mem 0x0000001080000000-0x000000117fffffff] usable',
      '[    0.014820] ACPI: disabled (Parker partition)',
      '[    0.029640] x2apic: enabled by parker, 8 APIC ids',
      '[    0.074100] Memory: 4 GiB available',
      '[    0.148200] smp: Bringing up secondary CPUs ...',
      '[    0.592800] smp: Brought up 1 node, 8 CPUs (boot kernel CPUs 40-47)',
      '[    0.741000] pci 0000:40:01.0: Samsung Electronics Co Ltd NVMe SSD Controller PM9A1/PM9A3/980PRO',
      // online = 1 here, at the end of the PCI scan, before any driver probes (measured).
      '[    1.259700] parker: PCI init done, setting online',
      '[    1.304160] serial8250: ttyS0 at I/O 0x3f8 (irq = 4, base_baud = 115200) is a 16550A',
      '[    1.333800] nvme 0000:40:01.0: MSI-X enabled',
      '[    1.482000] Run /init as init process',
    ]);
    expect(m.kernel.events.map((e) => [e.at, e.severity, e.message])).toEqual([
      [1482, 'info', 'db is online (8 CPUs, 1 device) after 1.48 s'],
      // The boot kernel's console is ttyS0 (console=ttyS0,115200): the application kernel claims it too.
      [1482, 'warning', "db probed the legacy serial ports and claimed ttyS0, the boot kernel's console"],
    ]);
    expect(m.kernel.partitions.get('db')!.ready).toBe(true);
  });

  it('starts on any write to online; another start of it, running or not, resets the whole machine (the RFC does not check)', async () => {
    const m = memorySimMachine();
    const p = prepare(m, 'db', '8-15', '2G');
    await load(m, p);
    m.fs.write(`${P}/db/online`, '0');
    expect(online(m, 'db')).toBe('1');
    await load(m, p);
    expect(errnoOf(() => m.fs.write(`${P}/db/online`, '1'))).toBe('EIO');
    expect(m.fs.list(P)).toEqual([]);
  });

  it('accepts a device with MSI-X only (the ConnectX-6 ports)', async () => {
    const m = memorySimMachine();
    await start(m, 'net', '96-103', '2G', { devices: ['0000:c0:03.0', '0000:c0:03.1'] });
    expect(online(m, 'net')).toBe('1');
  });

  it('cannot be reshaped while online: cpus, memory and bind are EBUSY, and rmdir is EBUSY', async () => {
    const m = memorySimMachine();
    await start(m, 'db', '8-15', '2G');
    expect(errnoOf(() => m.fs.write(`${P}/db/cpus`, '8-23'))).toBe('EBUSY');
    expect(errnoOf(() => m.fs.write(`${P}/db/memory`, '4G'))).toBe('EBUSY');
    expect(errnoOf(() => m.fs.write(`${P}/db/bind`, '0000:40:01.0'))).toBe('EBUSY');
    expect(errnoOf(() => m.fs.rmdir(`${P}/db`))).toBe('EBUSY');
    expect(m.fs.list(P)).toEqual(['db']);
  });

  it('powers off when its stop command runs: online drops to 0, then rmdir works', async () => {
    const m = memorySimMachine();
    await start(m, 'other', '16-23', '2G');
    await start(m, 'db', '8-15', '2G', { devices: ['0000:40:01.0'] });
    const result = await m.run!('db', ['ssh', 'db', 'poweroff'], 30_000);
    expect(result).toEqual({ code: 0, output: 'simulated: ssh db poweroff reached db' });
    expect(online(m, 'db')).toBe('0');
    expect(status(m, 'db')).toBe('stopped');
    // Console time is the kernel's own uptime: 1432 ms of boot, 800 ms of shutdown.
    expect(m.console!('db').at(-1)).toBe('[    2.232000] reboot: Power down');
    m.fs.rmdir(`${P}/db`);
    expect(m.fs.read('sys/devices/system/cpu/offline').trim()).toBe('16-23');
    expect(m.fs.readlink('sys/bus/pci/devices/0000:40:01.0/driver')).toBe('../../../bus/pci/drivers/nvme');
  });

  it('gives a follower the whole console of a partition made again under the same name and id, not what comes after the old one', async () => {
    const m = memorySimMachine();
    await start(m, 'db', '8-15', '2G');
    const first = m.consoleSince!('db', null, false);
    expect(first.lines).toEqual(m.console!('db'));
    expect(m.consoleSince!('db', first.cursor, false).lines).toEqual([]);
    await m.run!('db', ['poweroff'], 30_000);
    const stopped = m.consoleSince!('db', first.cursor, true);
    expect(stopped.lines).toEqual([expect.stringMatching(/^\[ +[\d.]+\] reboot: Power down$/)]);
    m.fs.rmdir(`${P}/db`);
    // The RFC numbers partitions with a counter that rmdir took back: the new db is id 1 again,
    // and its boot prints as many lines as the first one's had when it was read.
    await start(m, 'db', '8-15', '2G');
    expect(m.fs.read(`${P}/db/id`).trim()).toBe('1');
    expect(m.console!('db')).toHaveLength(first.lines.length);
    expect(m.consoleSince!('db', first.cursor, false).lines).toEqual(m.console!('db'));
    expect(m.consoleSince!('db', stopped.cursor, false).lines).toEqual(m.console!('db'));
  });
});

describe('a kernel that never comes online', () => {
  it('with the wrong parker= the write fails with ETIMEDOUT, status is hung, and the partition is stuck', async () => {
    const m = memorySimMachine();
    const p = prepare(m, 'db', '8-15', '2G');
    await load(m, p, cmdlineFor({ ...p, control: '0x7f002000' }));
    const before = m.clock!.now();
    expect(errnoOf(() => m.fs.write(`${P}/db/online`, '1'))).toBe('ETIMEDOUT');
    expect(m.clock!.now() - before).toBe(BOOT_MODEL.baseMs + 8 * BOOT_MODEL.perCpuMs + 2 * BOOT_MODEL.perGiBMs);
    expect(status(m, 'db')).toBe('hung');
    // The start is still busy-waiting: a read of online would block for ever (measured).
    expect(() => online(m, 'db')).toThrow(SimHangError);
    expect(m.kernel.events.at(-1)?.message).toMatch(/^read sys\/fs\/parker\/db\/online blocked in the kernel/);
    expect(m.console!('db')).toEqual([
      '[    0.000000] Linux version 6.1.0-parker (parker application kernel)',
      '[    0.000000] Command line: console=ttyS1 nokaslr parker=0x7f002000 memmap=exactmap memmap=2147483648@0x100000000',
    ]);
    expect(m.kernel.events.at(-2)?.message).toBe('db could not find its control structure (parker=0x7f002000, expected 0x7f001000) and never set online');
    // rmdir waits on the partition's mutex and mkdir on the Parker mutex, both held by the start.
    expect(() => m.fs.rmdir(`${P}/db`)).toThrow(SimHangError);
    expect(() => m.fs.mkdir(`${P}/other`)).toThrow(SimHangError);
    expect(m.fs.list(P)).toEqual(['db']);
  });

  it('hangs without parker=, with an unreadable memmap=, or with a different paging depth (H20)', async () => {
    const cases: [string, (p: Prepared) => string][] = [
      ['no parker=', (p) => `memmap=exactmap memmap=${p.memory}`],
      ['bad memmap', () => 'parker=0x7f001000 memmap=exactmap memmap=lots'],
      ['no5lvl', (p) => `${cmdlineFor(p)} no5lvl`],
    ];
    for (const [what, cmdline] of cases) {
      const m = memorySimMachine();
      const p = prepare(m, 'db', '8-15', '2G');
      await load(m, p, cmdline(p));
      expect({ what, errno: errnoOf(() => m.fs.write(`${P}/db/online`, '1')) }).toEqual({ what, errno: 'ETIMEDOUT' });
      expect({ what, status: status(m, 'db'), crash: m.kernel.crash }).toEqual({ what, status: 'hung', crash: null });
    }
  });

  it('hangs in PCI init with a device that has neither MSI nor MSI-X', async () => {
    const m = machineWithIntxDevice();
    const p = prepare(m, 'web', '40-47', '2G', ['0000:40:03.0']);
    await load(m, p);
    expect(errnoOf(() => m.fs.write(`${P}/web/online`, '1'))).toBe('ETIMEDOUT');
    expect(status(m, 'web')).toBe('hung');
    expect(m.kernel.events.at(-1)?.message).toBe('web waits forever in PCI init: 0000:40:03.0 has neither MSI nor MSI-X and partitions have no IOAPIC');
  });
});

describe('a kernel that tramples memory it does not own', () => {
  async function crashed(how: (m: SimMachine, p: Prepared) => Promise<void>): Promise<SimMachine> {
    const m = memorySimMachine();
    const p = prepare(m, 'db', '8-15', '2G');
    await how(m, p);
    expect(errnoOf(() => m.fs.write(`${P}/db/online`, '1'))).toBe('EIO');
    return m;
  }

  it('crashes the whole machine when its image was loaded outside its memory; every later call fails with EIO', async () => {
    const m = await crashed((m, p) => load(m, p, cmdlineFor(p), null));
    expect(m.kernel.crash?.reason).toBe("db's image was loaded at 0x0000000001000000, outside its memory; it decompressed over memory it does not own");
    expect(errnoOf(() => m.fs.read('sys/devices/system/cpu/online'))).toBe('EIO');
    expect(errnoOf(() => m.fs.readBytes('sys/bus/pci/devices/0000:40:01.0/config'))).toBe('EIO');
    expect(errnoOf(() => m.fs.list(P))).toBe('EIO');
    expect(errnoOf(() => m.fs.write('sys/devices/system/cpu/cpu3/online', '0'))).toBe('EIO');
    expect(errnoOf(() => m.fs.mkdir(`${P}/other`))).toBe('EIO');
    expect(errnoOf(() => m.fs.rmdir(`${P}/db`))).toBe('EIO');
    expect(m.fs.exists(P)).toBe(false);
    expect(m.fs.isDirectory(P)).toBe(false);
    expect(m.fs.readlink('sys/bus/pci/devices/0000:40:01.0/driver')).toBeNull();
    await expect(m.kexec!.load({ image: IMAGE, cmdline: '' })).rejects.toMatchObject({ errno: 'EIO' });
    await expect(m.kexec!.unload()).rejects.toMatchObject({ errno: 'EIO' });
    await expect(m.run!('db', ['poweroff'], 1000)).rejects.toMatchObject({ errno: 'EIO' });
  });

  it("crashes when the image lands in another partition's memory", async () => {
    const m = await crashed(async (m, p) => {
      const other = prepare(m, 'other', '16-23', '2G');
      await load(m, p, cmdlineFor(p), other.range);
    });
    expect(m.kernel.crash?.reason).toBe("db's image was loaded at 0x0000000180000000, outside its memory; it decompressed over memory it does not own");
  });

  it('crashes without memmap=exactmap or with a memmap= range outside its memory', async () => {
    const noMemmap = await crashed((m, p) => load(m, p, `parker=${p.control}`));
    expect(noMemmap.kernel.crash?.reason).toBe("db booted without memmap=exactmap, took the whole machine's e820 map and used memory it does not own");
    const noExactmap = await crashed((m, p) => load(m, p, `parker=${p.control} memmap=${p.memory}`));
    expect(noExactmap.kernel.crash?.reason).toBe("db booted without memmap=exactmap, took the whole machine's e820 map and used memory it does not own");
    const outside = await crashed((m, p) => load(m, p, `parker=${p.control} memmap=exactmap memmap=4G@0x480000000`));
    expect(outside.kernel.crash?.reason).toBe("db's memmap= covers 0x0000000480000000-0x000000057fffffff, outside its memory, and it used memory it does not own");
  });

  it('crashes when started with no memory set (measured: the boot kernel panicked)', async () => {
    const m = memorySimMachine();
    m.fs.mkdir(`${P}/db`);
    m.fs.write(`${P}/db/cpus`, '8-15');
    await m.kexec!.load({ image: IMAGE, cmdline: 'nokaslr parker=0x7f001000 memmap=exactmap memmap=2G@0x100000000', window: { start: 0x100000000, end: 0x17fffffff } });
    expect(errnoOf(() => m.fs.write(`${P}/db/online`, '1'))).toBe('EIO');
    expect(m.kernel.crash?.reason).toMatch(/^db was started with no memory set/);
  });
});

describe('machine-global hazards', () => {
  it('H02: a split_lock_detect= different from the boot kernel is a warning at boot; an injected split lock is an event', async () => {
    const m = memorySimMachine();
    await start(m, 'a', '8-15', '2G', { extra: 'split_lock_detect=off' });
    await start(m, 'b', '16-23', '2G', { extra: 'split_lock_detect=warn' });
    expect(hazardEvents(m, 'H02')).toEqual(['warning: split_lock_detect=off in a but warn in the boot kernel: cores disagree on bus-lock handling']);
    m.inject('a', 'split-lock');
    m.inject('b', 'split-lock');
    expect(hazardEvents(m, 'H02').slice(1)).toEqual([
      'warning: a bus lock in a (split_lock_detect=off) stalled every CPU of the machine',
      'info: b caught a split lock (split_lock_detect=warn)',
    ]);
    expect(m.console!('a').at(-1)).toMatch(/x86\/split lock detection: #AC: task took a split_lock trap$/);
  });

  it('H03: an injected WBINVD names the kernels that share a last-level cache with it', async () => {
    const m = memorySimMachine();
    // CPUs 8-15 and their siblings 136-143 make up the second L3 of node 0; 16-23 the third.
    await start(m, 'a', '8-15', '2G');
    await start(m, 'b', '136-143', '2G');
    await start(m, 'c', '16-23', '2G');
    m.inject('a', 'wbinvd');
    m.inject('c', 'wbinvd');
    expect(hazardEvents(m, 'H03')).toEqual([
      'warning: a issued WBINVD: shared caches flushed; latency spike in b',
      'warning: c issued WBINVD: shared caches flushed; latency spike in the boot kernel',
    ]);
  });

  it('H03: a kernel with memory encryption is a warning at boot', async () => {
    const m = memorySimMachine();
    await start(m, 'a', '8-15', '2G', { extra: 'mem_encrypt=on' });
    expect(hazardEvents(m, 'H03')).toEqual(['warning: a enables memory encryption, which issues WBINVD and flushes caches shared with other kernels']);
  });

  it('H10: an injected reboot resets the whole machine', async () => {
    const m = memorySimMachine();
    m.fs.write('sys/devices/system/cpu/cpu200/online', '0');
    m.fs.write('sys/bus/pci/devices/0000:80:01.0/driver_override', 'vfio-pci');
    m.fs.write('sys/bus/pci/drivers/nvme/unbind', '0000:80:01.0');
    await start(m, 'a', '8-15', '2G', { devices: ['0000:40:01.0'] });
    await start(m, 'b', '40-47', '4G');
    prepare(m, 'c', '96-103', '1G');
    await load(m, prepare(m, 'd', '104-111', '1G'));
    const before = m.clock!.now();
    m.inject('a', 'reboot');
    expect(m.fs.list(P)).toEqual([]);
    expect(m.kernel.partitions.size).toBe(0);
    expect(m.fs.read('sys/devices/system/cpu/online').trim()).toBe('0-255');
    expect(m.fs.list('sys/devices/system/cpu/cpu8')).toEqual(['cache', 'node0', 'online', 'topology']);
    expect(discover(m).cma.find((a) => a.name === 'parker0')?.availablePages).toBe((48 * 2 ** 30) / 4096);
    expect(m.fs.read('sys/kernel/mm/cma/parker0/alloc_pages_success').trim()).toBe('0');
    expect(m.fs.readlink('sys/bus/pci/devices/0000:40:01.0/driver')).toBe('../../../bus/pci/drivers/nvme');
    // What the boot kernel changed at run time is gone too: it booted again.
    expect(m.fs.readlink('sys/bus/pci/devices/0000:80:01.0/driver')).toBe('../../../bus/pci/drivers/nvme');
    expect(m.fs.read('sys/bus/pci/devices/0000:80:01.0/driver_override')).toBe('(null)\n');
    expect(m.kexec!.loaded()).toBe(false);
    expect(m.clock!.now() - before).toBe(90_000);
    expect(hazardEvents(m, 'H10')).toEqual(['error: machine reset: a rebooted: every reset method resets the whole machine; all application kernels were lost']);
    // The machine works again afterwards.
    await start(m, 'a', '8-15', '2G');
    expect(online(m, 'a')).toBe('1');
  });

  it('H10: a panic with panic=0 halts only that kernel; it never clears online', async () => {
    const m = memorySimMachine();
    await start(m, 'a', '8-15', '2G');
    await start(m, 'b', '16-23', '2G');
    m.inject('a', 'panic');
    expect(status(m, 'a')).toBe('halted');
    expect(online(m, 'a')).toBe('1');
    expect(errnoOf(() => m.fs.rmdir(`${P}/a`))).toBe('EBUSY');
    expect(online(m, 'b')).toBe('1');
    expect(m.console!('a').at(-1)).toMatch(/Kernel panic - not syncing: injected by parker sim$/);
    expect(hazardEvents(m, 'H10')).toEqual(['error: a panicked and halted (panic=0): the other kernels run on']);
  });

  it('H10: a panic with panic=N>0 reboots, which resets the whole machine; the setting is a warning at boot', async () => {
    const m = memorySimMachine();
    await start(m, 'a', '8-15', '2G', { extra: 'panic=10' });
    await start(m, 'b', '16-23', '2G');
    expect(hazardEvents(m, 'H10')).toEqual(['warning: a reboots on panic (panic=10): a panic there resets the whole machine']);
    m.inject('a', 'panic');
    expect(m.fs.list(P)).toEqual([]);
    expect(hazardEvents(m, 'H10').at(-1)).toBe('error: machine reset: a panicked with panic=10 and rebooted: every reset method resets the whole machine; all application kernels were lost');
  });

  it('injects only into a running kernel', async () => {
    const m = memorySimMachine();
    prepare(m, 'a', '8-15', '2G');
    expect(() => m.inject('a', 'panic')).toThrow('a is not running');
    expect(() => m.inject('nope', 'panic')).toThrow('no partition named nope on the simulated machine');
  });
});
