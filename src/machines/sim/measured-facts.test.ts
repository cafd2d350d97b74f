import { describe, expect, it } from 'vitest';
import { errnoOf } from '../../../test/fixtures/errno-of.js';
import { labSimMachine } from '../../../test/fidelity/lab-machine.js';
import { memorySimMachine, SIM_IMAGE, type SimMachine } from './sim-machine.js';
import { isSimHangError, SimHangError } from './sim-hang.js';
import { USERSPACE_LINE } from './app-kernel.js';

// The facts measured on the real Parker kernel that the fidelity script leaves out because
// they kill or reset the machine, or need a kernel started: checked here on the simulator.

const P = 'sys/fs/parker';

function hangOf(fn: () => unknown): SimHangError | null {
  try {
    fn();
  } catch (e) {
    if (isSimHangError(e)) return e;
    throw e;
  }
  return null;
}

/** A partition with CPUs and memory and its image loaded inside it, ready for `online`. */
async function prepared(m: SimMachine, name: string, cpus: string, size: string, options: { devices?: string[]; nokaslr?: boolean } = {}): Promise<void> {
  m.fs.mkdir(`${P}/${name}`);
  m.fs.write(`${P}/${name}/cpus`, cpus);
  m.fs.write(`${P}/${name}/memory`, size);
  for (const d of options.devices ?? []) m.fs.write(`${P}/${name}/bind`, d);
  const memory = m.fs.read(`${P}/${name}/memory`).trim();
  const [bytes, base] = memory.split('@') as [string, string];
  const control = m.fs.read(`${P}/${name}/control_structure`).trim();
  const kaslr = options.nokaslr === false ? '' : ' nokaslr';
  await m.kexec!.load({
    image: SIM_IMAGE,
    cmdline: `console=ttyS1${kaslr} parker=${control} memmap=exactmap memmap=${memory}`,
    window: { start: Number(base), end: Number(base) + Number(bytes) - 1 },
  });
}

describe('bind of a device that is enabled but has no driver', () => {
  it('oopses: the writer is killed, an error event says so, and every later operation on the partition blocks', () => {
    const m = memorySimMachine();
    const NVME = '0000:40:01.0';
    m.fs.write('sys/bus/pci/drivers/nvme/unbind', NVME);
    m.fs.write(`sys/bus/pci/devices/${NVME}/enable`, '1');
    m.fs.mkdir(`${P}/db`);
    const killed = hangOf(() => m.fs.write(`${P}/db/bind`, NVME));
    expect(killed?.kind).toBe('killed');
    expect(m.kernel.events.at(-1)).toMatchObject({ severity: 'error', kernel: 'db' });
    expect(m.kernel.events.at(-1)?.message).toMatch(/oopsed the boot kernel and its writer was killed/);
    for (const op of [() => m.fs.write(`${P}/db/cpus`, '8'), () => m.fs.read(`${P}/db/online`), () => m.fs.rmdir(`${P}/db`)]) {
      expect(hangOf(op)?.kind).toBe('blocked');
    }
    // Other partitions are not affected.
    m.fs.mkdir(`${P}/other`);
    m.fs.write(`${P}/other/cpus`, '16');
    expect(m.fs.read(`${P}/other/cpus`).trim()).toBe('16');
  });
});

describe('a partition is single-use', () => {
  it('a second online write after its kernel powered off resets the whole machine', async () => {
    const m = memorySimMachine();
    await prepared(m, 'db', '8-15', '2G');
    m.fs.write(`${P}/db/online`, '1');
    m.powerOff('db');
    await prepared(m, 'other', '16-23', '1G');
    expect(errnoOf(() => m.fs.write(`${P}/db/online`, '1'))).toBe('EIO');
    expect(m.kernel.events.at(-1)?.message).toMatch(/^machine reset: a second online write to db/);
    expect(m.fs.list(P)).toEqual([]);
    expect(m.fs.read('sys/devices/system/cpu/online').trim()).toBe('0-255');
    expect(m.kernel.partitions.get('db')).toBeUndefined();
  });

  it('rmdir, mkdir again, load and start works', async () => {
    const m = memorySimMachine();
    await prepared(m, 'db', '8-15', '2G');
    m.fs.write(`${P}/db/online`, '1');
    m.powerOff('db');
    m.fs.rmdir(`${P}/db`);
    await prepared(m, 'db', '8-15', '2G');
    m.fs.write(`${P}/db/online`, '1');
    expect(m.fs.read(`${P}/db/online`).trim()).toBe('1');
  });
});

describe('online is not booted', () => {
  it('online is written at the end of the PCI scan; the console says when userspace starts', async () => {
    const m = memorySimMachine();
    await prepared(m, 'db', '8-15', '2G', { devices: ['0000:40:01.0'] });
    m.fs.write(`${P}/db/online`, '1');
    const console = m.console!('db');
    const onlineAt = console.findIndex((l) => l.endsWith('parker: PCI init done, setting online'));
    const probeAt = console.findIndex((l) => l.includes('nvme 0000:40:01.0: MSI-X enabled'));
    expect(onlineAt).toBeGreaterThan(0);
    expect(probeAt).toBeGreaterThan(onlineAt);
    expect(console.at(-1)).toMatch(new RegExp(`${USERSPACE_LINE}$`));
  });

  it('a kernel whose CPU the boot kernel took back comes online and never reaches userspace', async () => {
    const m = memorySimMachine();
    await prepared(m, 'db', '8-15', '2G');
    m.fs.write('sys/devices/system/cpu/cpu9/online', '1');
    m.fs.write(`${P}/db/online`, '1');
    expect(m.fs.read(`${P}/db/online`).trim()).toBe('1');
    expect(m.partitionState!('db')?.state).toBe('hung');
    expect(m.console!('db').some((l) => l.includes(USERSPACE_LINE))).toBe(false);
    expect(m.console!('db').at(-1)).toMatch(/parker: PCI init done, setting online$/);
  });

  it("with the boot kernel's IOMMU translating, the handed-over device's DMA faults and it times out after 60 s (H13)", async () => {
    const m = memorySimMachine({ kind: 'synthetic', description: 'pack:2 core:4 mem:8G nvme:1 cmdline:"console=ttyS0 parker_cma=0:2G,1:2G intel_iommu=on"' });
    const nvme = m.kernel.hardware.pci.find((d) => d.classCode === 0x010802 && d.node === 0)!.address;
    await prepared(m, 'db', '1-3', '1G', { devices: [nvme] });
    m.fs.write(`${P}/db/online`, '1');
    expect(m.console!('db').at(-1)).toMatch(new RegExp(`${nvme}: I/O 0 QID 0 timeout, disable controller$`));
    expect(m.kernel.events.some((e) => e.hazard === 'H13' && e.severity === 'error')).toBe(true);
  });
});

describe('kexec placement', () => {
  it('without nokaslr the image may land outside the partition, decided deterministically from the partition', async () => {
    const outcomes: boolean[] = [];
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l']) {
      const run = async () => {
        const m = memorySimMachine();
        await prepared(m, name, '8-15', '2G', { nokaslr: false });
        m.fs.write(`${P}/${name}/online`, '1');
        return m.kernel.events.some((e) => /started without nokaslr: its image decompressed at 0x[0-9a-f]+-0x[0-9a-f]+, outside its partition/.test(e.message));
      };
      const first = await run();
      expect(await run()).toBe(first);
      outcomes.push(first);
    }
    expect(outcomes).toContain(true);
    expect(outcomes).toContain(false);
  });

  it('a file load (no window) puts the image outside and the start panics the machine', async () => {
    const m = memorySimMachine();
    m.fs.mkdir(`${P}/db`);
    m.fs.write(`${P}/db/cpus`, '8-15');
    m.fs.write(`${P}/db/memory`, '2G');
    await m.kexec!.load({ image: SIM_IMAGE, cmdline: 'nokaslr parker=0x7f001000 memmap=exactmap memmap=2147483648@0x100000000' });
    expect(errnoOf(() => m.fs.write(`${P}/db/online`, '1'))).toBe('EIO');
    expect(m.crashed!()?.reason).toMatch(/outside its memory/);
  });
});

describe('the control filesystem mount', () => {
  it('a second mount is EBUSY; unmounted, the directory is empty and makes nothing; mounted again, the partitions are back', () => {
    const m = labSimMachine();
    m.fs.mkdir(`${P}/db`);
    expect(errnoOf(() => m.mount())).toBe('EBUSY');
    expect(m.fs.read('proc/mounts')).toMatch(/^parker \/sys\/fs\/parker parker rw,relatime 0 0$/m);
    m.umount();
    expect(m.fs.list(P)).toEqual([]);
    expect(m.fs.read('proc/mounts')).not.toMatch(/parker/);
    expect(errnoOf(() => m.fs.mkdir(`${P}/x`))).toBe('ENOENT');
    expect(errnoOf(() => m.umount())).toBe('EINVAL');
    m.mount();
    expect(m.fs.list(P)).toEqual(['db']);
    expect(m.fs.read(`${P}/db/id`).trim()).toBe('1');
  });

  it('a boot kernel without parker_cma= has no parker filesystem to mount (ENODEV)', () => {
    const m = memorySimMachine({ kind: 'default' }, 'ro');
    expect(errnoOf(() => m.mount())).toBe('ENODEV');
  });
});

describe('rmdir of a partition whose first CPU moved to another node (measured)', () => {
  it('tears it down, keeps its memory taken, and says EBUSY', () => {
    const m = memorySimMachine({ kind: 'default' }, 'ro console=ttyS0,115200 iommu=pt parker_cma=0:4G,1:4G');
    m.fs.mkdir(`${P}/a`);
    m.fs.write(`${P}/a/cpus`, '8');
    m.fs.write(`${P}/a/memory`, '1G');
    const released = () => m.fs.read('sys/kernel/mm/cma/parker0/release_pages_success').trim();
    // A second write of other CPUs replaces the list: now the first CPU is on node 1.
    m.fs.write(`${P}/a/cpus`, '40');
    expect(errnoOf(() => m.fs.rmdir(`${P}/a`))).toBe('EBUSY');
    expect(m.fs.list(P)).toEqual([]);
    expect(m.fs.read('sys/devices/system/cpu/cpu40/online').trim()).toBe('1');
    expect(released()).toBe('0');
  });
});
