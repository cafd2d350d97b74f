import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KernelFs, Machine } from '../src/machines/machine.js';
import { hostMachine } from '../src/machines/host/host-machine.js';
import { withHostHardware } from '../src/service/host-hardware.js';
import { machineTopology } from '../src/service/machine-topology.js';
import { discover } from '../src/topology/discover.js';
import { fixedHardwareOf, hardwareOf, withHardware } from '../src/topology/hardware-topology.js';
import { runCli } from './run-cli.js';

// A host records its hardware's structure with the boot it saw it in. Within that boot the
// structure cannot change, so the live topology is read over the record: only what changes,
// never every CPU's topology and cache files. It must be what the whole discovery gives.

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-host-hardware-'));
const root = path.join(work, 'root');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const BOOT_ID = 'proc/sys/kernel/random/boot_id';
const setBoot = (id: string) => {
  fs.mkdirSync(path.join(root, path.dirname(BOOT_ID)), { recursive: true });
  fs.writeFileSync(path.join(root, BOOT_ID), `${id}\n`);
};

beforeAll(async () => {
  const archive = path.join(work, 'host.tar.gz');
  expect((await runCli('gather', '--synthetic', 'pack:2 numa:2 l3:2 core:2 pu:2 mem:8G nvme:1', '-f', archive)).code).toBe(0);
  fs.mkdirSync(root);
  execFileSync('tar', ['xzf', archive, '-C', root]);
  setBoot('b1');
}, 60_000);

/** The host over the tree, with every file it reads counted. */
function host(stateDir: string): { machine: Machine; reads: string[] } {
  const reads: string[] = [];
  const base = hostMachine(root);
  const fsCounting: KernelFs = Object.create(base.fs) as KernelFs;
  fsCounting.read = (p: string) => {
    reads.push(p);
    return base.fs.read(p);
  };
  return { machine: withHostHardware({ ...base, fs: fsCounting }, stateDir), reads };
}

function wholeDiscovery(machine: Machine) {
  const live = discover(machine);
  return withHardware(live, hardwareOf(machine, live));
}

/** Takes a CPU offline as Linux shows it: online 0, its topology and cache directories gone. */
function offline(cpu: number): void {
  const dir = path.join(root, 'sys/devices/system/cpu', `cpu${cpu}`);
  fs.writeFileSync(path.join(dir, 'online'), '0\n');
  fs.rmSync(path.join(dir, 'topology'), { recursive: true });
  fs.rmSync(path.join(dir, 'cache'), { recursive: true });
  const cpuRoot = path.join(root, 'sys/devices/system/cpu');
  const online = fs.readFileSync(path.join(cpuRoot, 'online'), 'utf8').trim();
  expect(online).toBe('0-31');
  fs.writeFileSync(path.join(cpuRoot, 'online'), `0-${cpu - 1},${cpu + 1}-31\n`);
  fs.writeFileSync(path.join(cpuRoot, 'offline'), `${cpu}\n`);
}

describe('a host hardware record', () => {
  it('is kept with its boot, read over within that boot, and made again in the next', () => {
    const stateDir = path.join(work, 'state');
    const first = host(stateDir);
    // No record yet: nothing fixed; the first whole view records it with its boot.
    expect(fixedHardwareOf(first.machine)).toBeNull();
    const live = machineTopology(first.machine);
    const record = JSON.parse(fs.readFileSync(path.join(stateDir, 'hardware.json'), 'utf8'));
    expect(record.bootId).toBe('b1');

    const again = host(stateDir);
    expect(fixedHardwareOf(again.machine)).not.toBeNull();
    const fast = machineTopology(again.machine);
    expect(JSON.stringify(fast)).toBe(JSON.stringify(live));
    expect(JSON.stringify(fast)).toBe(JSON.stringify(wholeDiscovery(host(stateDir).machine)));
    expect(again.reads.some((p) => p.includes('/cache/index'))).toBe(false);
    expect(first.reads.some((p) => p.includes('/cache/index'))).toBe(true);

    // Another boot: the record is not trusted as fixed, and the next whole view records it again.
    setBoot('b2');
    const rebooted = host(stateDir);
    expect(fixedHardwareOf(rebooted.machine)).toBeNull();
    machineTopology(rebooted.machine);
    expect(JSON.parse(fs.readFileSync(path.join(stateDir, 'hardware.json'), 'utf8')).bootId).toBe('b2');
    expect(fixedHardwareOf(host(stateDir).machine)).not.toBeNull();
  });

  it('a record made before boots were kept is used only where partitions hide the structure, and is made again', () => {
    const stateDir = path.join(work, 'old-state');
    fs.mkdirSync(stateDir);
    const live = discover(hostMachine(root));
    fs.writeFileSync(path.join(stateDir, 'hardware.json'), JSON.stringify({ format: 'parker.hardware/v1', topology: live }));
    expect(fixedHardwareOf(host(stateDir).machine)).toBeNull();
    machineTopology(host(stateDir).machine);
    expect(JSON.parse(fs.readFileSync(path.join(stateDir, 'hardware.json'), 'utf8')).bootId).toBe('b2');
  });

  it('with a CPU offline, the reading over the record is the whole discovery with the record filling in', () => {
    const stateDir = path.join(work, 'offline-state');
    machineTopology(host(stateDir).machine);
    offline(5);
    const reading = host(stateDir);
    const fast = machineTopology(reading.machine);
    expect(reading.reads.some((p) => p.includes('/cache/index'))).toBe(false);
    expect(fast.cpus.offline).toEqual([5]);
    expect(fast.cpu.find((c) => c.id === 5)).toMatchObject({ online: false, package: expect.any(Number) });
    expect(JSON.stringify(fast)).toBe(JSON.stringify(wholeDiscovery(host(stateDir).machine)));
  });
});
