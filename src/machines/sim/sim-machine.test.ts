import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isKernelError } from '../kernel-error.js';
import { discover } from '../../topology/discover.js';
import { readOptional } from '../../interfaces/parker/read-partitions.js';
import { parseBzImage } from './bzimage.js';
import { SIM_IMAGE, createSimMachine, openSimMachine, type SimMachine } from './sim-machine.js';

// The state directory: a simulated machine survives between CLI calls because every change
// is appended to sim/ops.log and replayed when the machine is opened again.

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-sim-store-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const stateDir = () => path.join(root, `state-${dirs++}`);
const NOW = new Date('2025-01-02T03:04:05Z');
const P = 'sys/fs/parker';

/** Everything a tool or `parker status` can observe of a machine. */
function observed(m: SimMachine) {
  return {
    topology: discover(m),
    // A read of a hung partition's online would block (measured): read the others only.
    partitions: partitionsWithoutBlocking(m),
    consoles: Object.fromEntries([...m.kernel.partitions.keys()].map((name) => [name, m.console!(name)])),
    status: [...m.kernel.partitions.values()].map((p) => [p.name, p.status]),
    events: m.kernel.events,
    clock: m.clock!.now(),
    kexecLoaded: m.kexec!.loaded(),
    crash: m.kernel.crash,
  };
}

/** The partitions' files, without the reads a stuck start blocks (its partition's, and every control_structure). */
function partitionsWithoutBlocking(m: SimMachine) {
  return m.fs.list(P).map((name) => {
    if (m.partitionState!(name)?.state === 'hung') return { name, hung: true };
    const read = (file: string) => readOptional(m.fs, `${P}/${name}/${file}`);
    return { name, id: read('id'), cpus: read('cpus'), memory: read('memory'), online: read('online'), devices: m.fs.list(`${P}/${name}/devices`) };
  });
}

async function startKernel(m: SimMachine, name: string, cpus: string, size: string, devices: string[] = [], cmdline?: string): Promise<void> {
  m.fs.mkdir(`${P}/${name}`);
  m.fs.write(`${P}/${name}/cpus`, cpus);
  m.fs.write(`${P}/${name}/memory`, size);
  for (const device of devices) m.fs.write(`${P}/${name}/bind`, device);
  const memory = m.fs.read(`${P}/${name}/memory`).trim();
  const [bytes, base] = memory.split('@') as [string, string];
  const start = Number(base);
  const end = start + Number(bytes) - 1;
  const control = m.fs.read(`${P}/${name}/control_structure`).trim();
  await m.kexec!.load({ image: SIM_IMAGE, cmdline: cmdline ?? `nokaslr parker=${control} memmap=exactmap memmap=${memory}`, window: { start, end } });
  m.fs.write(`${P}/${name}/online`, '1');
}

function ignoreRefusal(action: () => void): void {
  try {
    action();
  } catch (e) {
    if (!isKernelError(e)) throw e;
  }
}

/** A machine with a bit of everything: running, stopped, hung and prepared kernels, refused writes, boot-kernel changes. */
async function busyMachine(dir: string): Promise<SimMachine> {
  const m = createSimMachine(dir, { source: { kind: 'default' }, now: NOW });
  m.fs.write('sys/devices/system/cpu/cpu200/online', '0');
  m.fs.write('sys/bus/pci/devices/0000:80:02.0/driver_override', 'vfio-pci');
  await startKernel(m, 'db', '40-47', '4G', ['0000:40:01.0']);
  await startKernel(m, 'web', '8-15', '2G');
  await m.run!('web', ['poweroff'], 1000);
  m.fs.mkdir(`${P}/spare`);
  m.fs.write(`${P}/spare/cpus`, '96-99');
  ignoreRefusal(() => m.fs.write(`${P}/spare/memory`, '64G'));
  m.fs.write(`${P}/spare/memory`, '1G');
  ignoreRefusal(() => m.fs.write(`${P}/spare/cpus`, '40'));
  // Last: a start that never comes up holds the Parker mutex, and most changes then block.
  await startKernel(m, 'stuck', '16-23', '2G', [], 'nokaslr parker=0x1 memmap=exactmap memmap=2147483648@0x180000000').catch((e: unknown) => {
    if (!isKernelError(e, 'ETIMEDOUT')) throw e;
  });
  m.inject('db', 'split-lock');
  await m.clock!.sleep(5000);
  await m.kexec!.load({ image: SIM_IMAGE, cmdline: 'quiet' });
  return m;
}

describe('the state directory', () => {
  it('gives the same observed machine when opened again', async () => {
    const dir = stateDir();
    const m = await busyMachine(dir);
    const before = observed(m);
    expect(before.status).toEqual([
      ['db', 'online'],
      ['web', 'stopped'],
      ['spare', 'created'],
      ['stuck', 'hung'],
    ]);
    m.close();
    const again = openSimMachine(dir);
    expect(observed(again)).toEqual(before);
    expect(again.meta.createdAt).toBe(NOW.toISOString());
    again.close();
  });

  it('keeps working after reopening: later changes persist too', async () => {
    const dir = stateDir();
    (await busyMachine(dir)).close();
    const second = openSimMachine(dir);
    second.fs.rmdir(`${P}/spare`);
    await second.run!('db', ['poweroff'], 1000);
    second.fs.rmdir(`${P}/db`);
    const before = observed(second);
    second.close();
    const third = openSimMachine(dir);
    expect(observed(third)).toEqual(before);
    expect(third.fs.list(P)).toEqual(['stuck', 'web']);
    third.close();
  });

  it('ignores a torn last line of ops.log and appends after it cleanly', async () => {
    const dir = stateDir();
    const m = await busyMachine(dir);
    const before = observed(m);
    m.close();
    const log = path.join(dir, 'sim', 'ops.log');
    fs.appendFileSync(log, '{"op":"rmdir","path":"sys/fs/par');
    const reopened = openSimMachine(dir);
    expect(observed(reopened)).toEqual(before);
    reopened.fs.rmdir(`${P}/spare`);
    reopened.close();
    const lines = fs.readFileSync(log, 'utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.at(-2)).toMatch(/^\{"crc":"[0-9a-f]{8}","op":"rmdir","path":"sys\/fs\/parker\/spare"\}$/);
    for (const line of lines.slice(0, -1)) expect(() => JSON.parse(line) as unknown).not.toThrow();
    const last = openSimMachine(dir);
    expect(last.fs.list(P)).toEqual(['db', 'stuck', 'web']);
    last.close();
  });

  it("gives a follower the whole console of a machine made again, though its first partition has the old one's name, id and serial", async () => {
    const dir = stateDir();
    const m = createSimMachine(dir, { source: { kind: 'default' }, now: NOW });
    await startKernel(m, 'db', '8-15', '2G');
    const followed = m.consoleSince!('db', null, false);
    expect(followed.lines.length).toBeGreaterThan(5);
    m.close();
    // parker sim reset: the same machine made again, a moment later.
    const again = createSimMachine(dir, { source: { kind: 'default' }, now: new Date(NOW.getTime() + 1000) });
    await startKernel(again, 'db', '8-15', '2G');
    expect(again.console!('db')).toHaveLength(followed.lines.length);
    expect(again.consoleSince!('db', followed.cursor, false).lines).toEqual(again.console!('db'));
    again.close();
    // The same cursor, reopened in another process's way: nothing new.
    const reopened = openSimMachine(dir);
    const caughtUp = reopened.consoleSince!('db', null, false).cursor;
    reopened.close();
    expect(openSimMachine(dir).consoleSince!('db', caughtUp, false).lines).toEqual([]);
  });

  it('keeps a crashed machine crashed until it is made again (`parker sim reset`)', async () => {
    const dir = stateDir();
    const m = createSimMachine(dir, { source: { kind: 'default' }, now: NOW });
    m.fs.mkdir(`${P}/db`);
    m.fs.write(`${P}/db/cpus`, '8-15');
    m.fs.write(`${P}/db/memory`, '2G');
    await m.kexec!.load({ image: SIM_IMAGE, cmdline: 'parker=0x7f001000 memmap=exactmap memmap=2G@0x100000000' });
    expect(() => m.fs.write(`${P}/db/online`, '1')).toThrow('EIO');
    const reason = m.kernel.crash?.reason;
    m.close();
    const reopened = openSimMachine(dir);
    expect(reopened.kernel.crash?.reason).toBe(reason);
    expect(() => reopened.fs.read('sys/devices/system/cpu/online')).toThrow('EIO');
    reopened.close();

    const reset = createSimMachine(dir, { source: { kind: 'default' }, now: NOW });
    expect(reset.kernel.crash).toBeNull();
    expect(reset.fs.list(P)).toEqual([]);
    expect(reset.fs.read('sys/devices/system/cpu/online').trim()).toBe('0-255');
    expect(fs.readFileSync(path.join(dir, 'sim', 'ops.log'), 'utf8')).toBe('');
    reset.close();
    expect(openSimMachine(dir).fs.list(P)).toEqual([]);
  });

  it('gives a new machine its own /boot with a valid test image', () => {
    const dir = stateDir();
    createSimMachine(dir, { source: { kind: 'default' }, now: NOW }).close();
    const image = fs.readFileSync(path.join(dir, 'sim', 'files', SIM_IMAGE));
    expect(parseBzImage(image).version).toBe(0x020f);
    expect(fs.readdirSync(path.join(dir, 'sim', 'files', 'boot'))).toEqual(['initrd-parker.img', 'vmlinuz-parker']);
  });

  it('opens the default server when the state directory has no machine yet, and writes it at its first change only', () => {
    const dir = stateDir();
    const m = openSimMachine(dir, () => NOW);
    expect(m.description).toBe('simulated default server');
    expect(m.meta.cmdline).toContain('parker_cma=0:48G,1:48G,2:48G,3:48G');
    expect(fs.existsSync(path.join(dir, 'sim'))).toBe(false);
    m.fs.mkdir(`${P}/db`);
    expect(fs.existsSync(path.join(dir, 'sim', 'machine.json'))).toBe(true);
    m.close();
    expect(openSimMachine(dir).fs.list(P)).toEqual(['db']);
  });

  it('keeps the command line it was made with', () => {
    const dir = stateDir();
    createSimMachine(dir, { source: { kind: 'synthetic', description: 'pack:1 core:4 mem:8G' }, cmdline: 'ro parker_cma=2G', now: NOW }).close();
    const m = openSimMachine(dir);
    expect(m.fs.read('proc/cmdline')).toBe('ro parker_cma=2G\n');
    expect(m.fs.list('sys/kernel/mm/cma')).toEqual(['parker0']);
    m.close();
  });
});
