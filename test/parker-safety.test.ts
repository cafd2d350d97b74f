import { describe, expect, it } from 'vitest';
import { parkerInterface } from './fixtures/kernel-interface.js';
import { FileTree, TreeFs } from '../src/machines/file-tree.js';
import type { KernelFs, Kexec, KexecSegment, Machine, PartitionState } from '../src/machines/machine.js';
import type { Intent } from '../src/plan/intent.js';
import type { DesiredKernel } from '../src/plan/lifecycle.js';
import type { ObservedPartition } from '../src/plan/observed.js';
import { sweepParkerOrphans } from '../src/interfaces/parker/orphans.js';

// What parker checks itself before the writes the Parker kernel does not guard (measured on the
// RFC kernel, docs/parker-kernel-interface.md): each refusal comes before any write.

const NVME = '0000:00:04.0';
const PARTITION = 'sys/fs/parker/a';
const MEMORY = { start: 0x100000000, end: 0x13fffffff };

interface FakeOptions {
  /** Device files: its driver link (null: none) and its enable value. */
  device?: { driver: string | null; enable: string };
  memory?: string | null;
  online?: string;
  segments?: KexecSegment[] | null;
  state?: PartitionState | null;
  startedBefore?: boolean | null;
  console?: string[];
  watchConsole?: boolean;
  /** Another partition holding the device (its `driver` link still names nvme, as on the real kernel). */
  heldBy?: string;
}

/** A Parker machine of plain files that records every write, mkdir and rmdir. */
function fakeMachine(options: FakeOptions = {}) {
  const tree = new FileTree();
  const files = new TreeFs(tree);
  tree.file(`${PARTITION}/id`, '1\n').file(`${PARTITION}/control_structure`, '0x7f001000\n').file(`${PARTITION}/cpus`, '2-3\n');
  tree.file(`${PARTITION}/online`, `${options.online ?? '0'}\n`).file(`${PARTITION}/bind`, '').file(`${PARTITION}/unbind`, '');
  tree.dir(`${PARTITION}/devices`);
  if (options.memory !== null) tree.file(`${PARTITION}/memory`, `${options.memory ?? '1073741824@0x100000000'}\n`);
  const device = options.device ?? { driver: 'nvme', enable: '1' };
  const dir = `sys/bus/pci/devices/${NVME}`;
  tree.file(`${dir}/enable`, `${device.enable}\n`).file(`${dir}/vendor`, '0x1b36\n');
  tree.file('sys/bus/pci/drivers/nvme/bind', '');
  if (device.driver) tree.link(`${dir}/driver`, `../../drivers/${device.driver}`);
  if (options.heldBy) tree.dir(`sys/fs/parker/${options.heldBy}/devices/${NVME}`).file(`sys/fs/parker/${options.heldBy}/online`, '0\n');
  const writes: string[] = [];
  const fs: KernelFs = {
    read: (p) => files.read(p),
    readBytes: (p) => files.readBytes(p),
    list: (p) => files.list(p),
    exists: (p) => files.exists(p),
    readlink: (p) => files.readlink(p),
    isDirectory: (p) => files.isDirectory(p),
    write(p, v) {
      writes.push(`${p}=${v}`);
      if (p === `${PARTITION}/bind`) tree.dir(`${PARTITION}/devices/${v}`);
    },
    mkdir(p) {
      writes.push(`mkdir ${p}`);
    },
    rmdir(p) {
      writes.push(`rmdir ${p}`);
    },
  };
  let now = 0;
  const kexec: Kexec = { load: async () => undefined, unload: async () => undefined, loaded: () => true, segments: () => (options.segments === undefined ? [{ start: 0x13ec00000, end: 0x13fffffff }] : options.segments) };
  const machine: Machine = {
    kind: 'host',
    description: 'fake host',
    fs,
    kexec,
    clock: { now: () => now, sleep: async (ms) => void (now += ms) },
    ...(options.state !== undefined ? { partitionState: () => options.state ?? null } : {}),
    ...(options.startedBefore !== undefined ? { startedBefore: () => options.startedBefore ?? null } : {}),
    ...(options.console ? { console: () => options.console! } : {}),
    ...(options.watchConsole ? { watchConsole: (name: string, source: string) => void writes.push(`watch ${name} ${source}`) } : {}),
  };
  return { machine, writes, now: () => now };
}

const perform = (machine: Machine, intent: Intent) => parkerInterface.perform(machine, intent);
const handOver: Intent = { kind: 'hand-over-device', partition: 'a', device: NVME };
const start: Intent = { kind: 'start', partition: 'a' };

describe('before bind: the device is bound to its driver and enabled in the boot kernel', () => {
  it('hands over a device bound to its driver and enabled', async () => {
    const fake = fakeMachine();
    await perform(fake.machine, handOver);
    expect(fake.writes).toEqual([`${PARTITION}/bind=${NVME}`]);
  });

  it('refuses a device enabled without a driver (the kernel would oops), writing nothing', async () => {
    const fake = fakeMachine({ device: { driver: null, enable: '1' } });
    await expect(perform(fake.machine, handOver)).rejects.toMatchObject({
      name: 'ParkerError',
      code: 'E_DEVICE',
      message: expect.stringMatching(/^0000:00:04\.0 is enabled in the boot kernel but bound to no driver: .*oopses/),
      hint: expect.stringContaining(`echo ${NVME} > /sys/bus/pci/drivers_probe`),
    });
    expect(fake.writes).toEqual([]);
  });

  it('refuses a device with no driver and not enabled (EBUSY on the kernel), writing nothing', async () => {
    const fake = fakeMachine({ device: { driver: null, enable: '0' } });
    await expect(perform(fake.machine, handOver)).rejects.toMatchObject({ code: 'E_DEVICE', message: expect.stringMatching(/has no driver in the boot kernel \(enable reads 0\)/) });
    expect(fake.writes).toEqual([]);
  });

  it("reads ownership from the partitions' devices/, not from the device's stale driver link", async () => {
    const fake = fakeMachine({ device: { driver: 'nvme', enable: '0' }, heldBy: 'b' });
    await expect(perform(fake.machine, handOver)).rejects.toMatchObject({ code: 'E_DEVICE', message: expect.stringMatching(/already belongs to partition b/) });
    expect(fake.writes).toEqual([]);
  });

  it('refuses a device bound to a driver but disabled', async () => {
    const fake = fakeMachine({ device: { driver: 'nvme', enable: '0' } });
    await expect(perform(fake.machine, handOver)).rejects.toMatchObject({ code: 'E_DEVICE', message: expect.stringMatching(/is bound to nvme but not enabled/) });
    expect(fake.writes).toEqual([]);
  });

  it('after a crash, probes only devices no partition holds, whatever their driver link says', () => {
    const held = fakeMachine({ device: { driver: 'nvme', enable: '0' }, heldBy: 'b' });
    expect(sweepParkerOrphans(held.machine, [handOver])).toEqual([]);
    const stale = fakeMachine({ device: { driver: 'nvme', enable: '0' } });
    expect(sweepParkerOrphans(stale.machine, [handOver])).toEqual([`device ${NVME} probed again by the boot kernel`]);
    expect(stale.writes).toEqual([`sys/bus/pci/drivers_probe=${NVME}`]);
  });
});

describe('before online: memory set, every kexec segment inside it, never started before', () => {
  it('starts when the image lies inside the partition', async () => {
    const fake = fakeMachine({ segments: [{ start: MEMORY.start, end: MEMORY.start + 0xfff }, { start: 0x13ec00000, end: MEMORY.end }] });
    await perform(fake.machine, start);
    expect(fake.writes).toEqual([`${PARTITION}/online=1`]);
  });

  it('refuses when the partition has no memory', async () => {
    const fake = fakeMachine({ memory: null });
    await expect(perform(fake.machine, start)).rejects.toMatchObject({ code: 'E_START', message: expect.stringMatching(/memory shows no memory/) });
    expect(fake.writes).toEqual([]);
  });

  it('refuses when a segment lies outside the partition, naming it', async () => {
    const fake = fakeMachine({ segments: [{ start: MEMORY.start, end: MEMORY.start + 0xfff }, { start: 0x52800000, end: 0x52bfffff }] });
    await expect(perform(fake.machine, start)).rejects.toMatchObject({
      code: 'E_START',
      message: "the loaded image has a segment at 0x52800000-0x52bfffff, outside a's memory 0x100000000-0x13fffffff: starting it would overwrite memory it does not own",
    });
    // One byte past the end counts too.
    const past = fakeMachine({ segments: [{ start: 0x13ff00000, end: MEMORY.end + 1 }] });
    await expect(perform(past.machine, start)).rejects.toMatchObject({ code: 'E_START' });
    expect([...fake.writes, ...past.writes]).toEqual([]);
  });

  it('refuses when the machine cannot tell where the image lies', async () => {
    const fake = fakeMachine({ segments: null });
    await expect(perform(fake.machine, start)).rejects.toMatchObject({ code: 'E_START', message: expect.stringMatching(/cannot tell where the loaded kexec image/) });
    expect(fake.writes).toEqual([]);
  });

  it('never writes online twice: refuses a partition started before, online now, or seen past "created"', async () => {
    for (const options of [{ startedBefore: true }, { online: '1' }, { state: { state: 'stopped', onlineAt: null } }] satisfies FakeOptions[]) {
      const fake = fakeMachine(options);
      await expect(perform(fake.machine, start)).rejects.toMatchObject({ code: 'E_START', message: expect.stringMatching(/second (start|write)/) });
      expect(fake.writes).toEqual([]);
    }
    // A partition made and never started may start.
    const fresh = fakeMachine({ state: { state: 'created', onlineAt: null }, startedBefore: null });
    await perform(fresh.machine, start);
    expect(fresh.writes).toEqual([`${PARTITION}/online=1`]);
  });

  it('touches nothing of a partition whose start write never returned (a hung kernel): stop, remove and a new start are refused at once', async () => {
    for (const intent of [{ kind: 'stop', partition: 'a', command: null, timeoutMs: 60_000 }, { kind: 'remove-partition', partition: 'a' }, start] satisfies Intent[]) {
      const fake = fakeMachine({ state: { state: 'hung', onlineAt: null } });
      await expect(perform(fake.machine, intent)).rejects.toMatchObject({ code: 'E_START', message: expect.stringMatching(/its start is still in flight/) });
      expect([fake.writes, fake.now()]).toEqual([[], 0]);
    }
  });

  it('restart means a new partition: the lifecycle removes and recreates it before its one online write', () => {
    const kernel: DesiredKernel = {
      name: 'a',
      cpus: [2, 3],
      memoryBytes: 2 ** 30,
      memoryNode: 1,
      devices: [NVME],
      image: '/boot/bzImage',
      cmdline: 'console=ttyS1,115200',
      bootTimeoutMs: 60_000,
      ready: { pattern: 'Run \\S+ as init process', timeoutMs: 30_000 },
      stop: { command: null, timeoutMs: 1000 },
    };
    const have: ObservedPartition = { name: 'a', id: 1, controlStructure: '0x7f001000', cpus: [2, 3], memory: MEMORY, devices: [NVME], online: false };
    const kinds = parkerInterface.start(kernel, have).map((d) => d.intent.kind);
    expect(kinds).toEqual(['remove-partition', 'create-partition', 'assign-cpus', 'allocate-memory', 'hand-over-device', 'load-image', 'start', 'wait-online', 'wait-ready']);
  });

  it('puts nokaslr on every application kernel line', () => {
    expect(parkerInterface.cmdline.params.some((p) => p.key === 'nokaslr' && p.value === null)).toBe(true);
  });
});

describe('readiness beyond online', () => {
  it('refuses to start a kernel whose readiness it could not see, before writing online', async () => {
    const fake = fakeMachine({ watchConsole: true, console: [] });
    await expect(perform(fake.machine, { ...start, ready: true })).rejects.toMatchObject({ code: 'E_START', message: expect.stringMatching(/has no source for that console/) });
    const blind = fakeMachine();
    await expect(perform(blind.machine, { ...start, ready: true })).rejects.toMatchObject({ code: 'E_START', message: expect.stringMatching(/cannot show consoles/) });
    expect([...fake.writes, ...blind.writes]).toEqual([]);
  });

  it('reads the console from its source from before the start on', async () => {
    const fake = fakeMachine({ watchConsole: true, console: [] });
    await perform(fake.machine, { ...start, ready: true, console: '/dev/ttyS4' });
    expect(fake.writes).toEqual(['watch a /dev/ttyS4', `${PARTITION}/online=1`]);
  });

  it('waits for the line, and times out with the console tail when it never comes', async () => {
    const ready: Intent = { kind: 'wait-ready', partition: 'a', pattern: 'Run \\S+ as init process', timeoutMs: 5000 };
    const up = fakeMachine({ console: ['[    0.9] nvme nvme0: 1/0/0 default/read/poll queues', '[    1.2] Run /init as init process'] });
    await perform(up.machine, ready);
    expect(up.now()).toBe(0);
    const hung = fakeMachine({ console: ['[    0.9] parker: PCI init done, setting online', '[   31.0] nvme nvme0: I/O tag 0 timeout'] });
    await expect(perform(hung.machine, ready)).rejects.toMatchObject({
      code: 'E_TIMEOUT',
      message: expect.stringMatching(/^a came online but its console showed no line matching \/Run \\S\+ as init process\/ within 5 s \(2 lines, the last: ".*I\/O tag 0 timeout"\)/),
    });
    expect(hung.now()).toBe(5000);
  });
});
