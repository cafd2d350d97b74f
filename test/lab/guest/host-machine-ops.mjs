// Runs inside a lab VM only (lab/run.sh): parker's host machine, opened writable, changes the
// running kernel through runOp, as `parker apply` would, and discover() reads back what the
// kernel did. Each check leaves CHECK.json in the working directory (the run directory);
// test/lab/host-machine.test.ts asserts on those files. A check that throws records the
// error and the script exits 1 after the remaining checks ran.
import * as fs from 'node:fs';
import { describeKernelOp, runKernelOp } from '../../../dist/apply/kernel-ops.js';
import { kexecArgs, runCommand } from '../../../dist/machines/host/host-kexec.js';
import { hostMachine } from '../../../dist/machines/host/host-machine.js';
import { isKernelError } from '../../../dist/machines/kernel-error.js';
import { discover } from '../../../dist/topology/discover.js';

// This script writes /sys: it must never run anywhere but in a lab VM.
if (!/(^|\s)parker\.lab\.run=/.test(fs.readFileSync('/proc/cmdline', 'utf8'))) {
  console.error('host-machine-ops.mjs changes the running kernel: it runs only inside a lab VM (lab/run.sh)');
  process.exit(2);
}

const CPU = 'sys/devices/system/cpu';
const MEMORY = 'sys/devices/system/memory';
const NVME_CLASS = 0x010802;
/** The lab share as the guest mounts it: lab/setup.sh puts the kernel and initramfs here. */
const IMAGE = '/mnt/lab/boot/vmlinuz';
const INITRD = '/mnt/lab/boot/initrd.img';
const CMDLINE = 'console=ttyS0 lab.stage=2';

const machine = hostMachine('/', true);
const read = (path) => machine.fs.read(path).trim();
let nextId = 1;

/** A kernel operation (src/apply/kernel-ops.ts) with its undo, as a plan step would lower to. */
function step(op, undo, why) {
  return { id: nextId++, action: 'change', kernel: 'boot', op, why, undo, summary: describeKernelOp(op) };
}

/** Runs a step through runKernelOp; the outcome as data (a refusal is a result, not a crash). */
async function run(s) {
  const t0 = performance.now();
  try {
    await runKernelOp(machine, s.op);
    return { summary: s.summary, ok: true, ms: Math.round(performance.now() - t0) };
  } catch (e) {
    return { summary: s.summary, ok: false, ...refusal(e), ms: Math.round(performance.now() - t0) };
  }
}

function refusal(e) {
  return { kernelError: isKernelError(e), errno: isKernelError(e) ? e.errno : null, message: e instanceof Error ? e.message : String(e) };
}

/** Runs a kexec call; the outcome as data. */
async function attempt(action) {
  const t0 = performance.now();
  try {
    await action();
    return { ok: true, ms: Math.round(performance.now() - t0) };
  } catch (e) {
    return { ok: false, ...refusal(e), ms: Math.round(performance.now() - t0) };
  }
}

/**
 * Where kexec_load put each segment (kernel, initrd, boot parameters, purgatory): the same
 * arguments again with -d, which makes kexec-tools print its segment list. Unloads after.
 */
async function placement(request) {
  const { code, output } = await runCommand(['kexec', '-d', ...kexecArgs(request)], 120_000);
  await machine.kexec.unload();
  const segments = [...output.matchAll(/segment\[\d+\]\.mem\s*=\s*(0x[0-9a-f]+)\s+segment\[\d+\]\.memsz\s*=\s*(0x[0-9a-f]+)/g)].map((m) => {
    const start = Number(m[1]);
    return { start, end: start + Number(m[2]) - 1 };
  });
  const inside = segments.every((s) => request.window.start <= s.start && s.end <= request.window.end);
  return { exitCode: code, segments: segments.length, inside, ranges: segments.map((s) => `0x${s.start.toString(16)}-0x${s.end.toString(16)}`) };
}

const timings = {};
let failed = false;

async function check(name, body) {
  const t0 = performance.now();
  let result;
  try {
    result = await body();
  } catch (e) {
    failed = true;
    result = { crashed: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    console.error(`${name}: ${result.crashed}`);
  }
  timings[name] = Math.round(performance.now() - t0);
  fs.writeFileSync(`${name}.json`, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`${name}: ${timings[name]} ms`);
}

/** discover(), timed: the guest's figures go into the report. */
const discoverTimes = [];
function look() {
  const t0 = performance.now();
  const topology = discover(machine);
  discoverTimes.push(Math.round(performance.now() - t0));
  return topology;
}

/** One CPU as discovery reports it, its last-level cache spelled out. */
function cpuView(topology, id) {
  const cpu = topology.cpu.find((c) => c.id === id);
  if (!cpu) return null;
  const llc = cpu.llc === null ? null : topology.caches[cpu.llc];
  return { ...cpu, llc: llc ? { level: llc.level, cpus: llc.cpus } : null };
}

function cpuPicture(topology, id) {
  return {
    sets: topology.cpus,
    cpu: cpuView(topology, id),
    node0Cpus: topology.nodes.find((n) => n.id === 0)?.cpus ?? null,
    package0Cpus: topology.packages.find((p) => p.id === 0)?.cpus ?? null,
    cores: topology.cores.filter((c) => c.package === 0).map((c) => ({ coreId: c.coreId, cpus: c.cpus })),
    l3: topology.caches.filter((c) => c.level === 3).map((c) => c.cpus),
  };
}

/** The machine as it booted, before any check changed it. */
const before = look();

await check('cpu-hotplug', async () => {
  const online = `${CPU}/cpu3/online`;
  const off = await run(step({ kind: 'write', path: online, value: '0' }, { kind: 'write', path: online, value: '1' }, 'take CPU 3 from the boot kernel'));
  const offRead = read(online);
  const offTopologyDir = machine.fs.exists(`${CPU}/cpu3/topology`);
  const offline = cpuPicture(look(), 3);
  const on = await run(step({ kind: 'write', path: online, value: '1' }, { kind: 'write', path: online, value: '0' }, 'give CPU 3 back'));
  const onRead = read(online);
  const onTopologyDir = machine.fs.exists(`${CPU}/cpu3/topology`);
  return {
    before: cpuPicture(before, 3),
    off: { step: off, readBack: offRead, topologyDir: offTopologyDir, discovered: offline },
    on: { step: on, readBack: onRead, topologyDir: onTopologyDir, discovered: cpuPicture(look(), 3) },
  };
});

await check('boot-cpu', async () => {
  const path = `${CPU}/cpu0/online`;
  const result = await run(step({ kind: 'write', path, value: '0' }, null, 'try to offline the boot CPU'));
  // The same write without O_CREAT, as `echo 0 >` a missing file would not try to create it.
  let withoutCreate = 'no error';
  try {
    fs.closeSync(fs.openSync(`/${path}`, fs.constants.O_WRONLY));
  } catch (e) {
    withoutCreate = e.code;
  }
  return { step: result, onlineFileExists: machine.fs.exists(path), openWithoutCreate: withoutCreate, cpu0Online: cpuView(look(), 0)?.online ?? null };
});

await check('nvme-rebind', async () => {
  const nvme = before.pci.filter((d) => d.classCode === NVME_CLASS);
  if (nvme.length !== 1) return { nvmeDevices: nvme.map((d) => d.address) };
  const address = nvme[0].address;
  const dir = `sys/bus/pci/devices/${address}`;
  const driverOf = (topology) => topology.pci.find((d) => d.address === address)?.driver;
  const unbind = await run(step({ kind: 'write', path: `${dir}/driver/unbind`, value: address }, null, 'take the drive from the boot kernel'));
  const unbound = { step: unbind, driverLink: machine.fs.readlink(`${dir}/driver`), discoveredDriver: driverOf(look()) };
  const override = await run(step({ kind: 'write', path: `${dir}/driver_override`, value: 'nvme' }, null, 'pick the driver'));
  const probe = await run(step({ kind: 'write', path: 'sys/bus/pci/drivers_probe', value: address }, null, 'give the drive back to the boot kernel'));
  const rebound = { override, probe, driverOverride: read(`${dir}/driver_override`), driverLink: machine.fs.readlink(`${dir}/driver`), discoveredDriver: driverOf(look()) };
  // "\n" clears an override; an empty write never reaches the kernel.
  const clear = await run(step({ kind: 'write', path: `${dir}/driver_override`, value: '\n' }, null, 'clear the override'));
  return { address, driverBefore: driverOf(before), unbound, rebound, cleared: { step: clear, driverOverride: read(`${dir}/driver_override`) } };
});

await check('memory-hotplug', async () => {
  const movable = before.memory.blocks.filter((b) => b.zones.join() === 'Movable');
  const block = movable.at(-1);
  if (!block) return { movableBlocks: [] };
  const state = `${MEMORY}/memory${block.index}/state`;
  const blockOf = (topology) => topology.memory.blocks.find((b) => b.index === block.index) ?? null;
  const offline = await run(step({ kind: 'write', path: state, value: 'offline' }, { kind: 'write', path: state, value: 'online_movable' }, 'take the block from the boot kernel'));
  const off = { step: offline, readBack: read(state), discovered: blockOf(look()) };
  const online = await run(step({ kind: 'write', path: state, value: 'online_movable' }, { kind: 'write', path: state, value: 'offline' }, 'give the block back'));
  const on = { step: online, readBack: read(state), discovered: blockOf(look()) };
  // Plain "online" (no zone named) after an offline: which zone the kernel picks.
  const zones = `${MEMORY}/memory${block.index}/valid_zones`;
  const plain = {
    offline: await run(step({ kind: 'write', path: state, value: 'offline' }, null, 'offline again')),
    validZonesOffline: read(zones),
    online: await run(step({ kind: 'write', path: state, value: 'online' }, null, 'online in the default zone')),
    validZonesOnline: read(zones),
  };
  // A block in the middle of the Movable range, where the zone's span still covers it.
  const middle = movable[Math.floor(movable.length / 2)].index;
  const middleState = `${MEMORY}/memory${middle}/state`;
  const inside = {
    block: middle,
    offline: await run(step({ kind: 'write', path: middleState, value: 'offline' }, null, 'offline a block inside the zone')),
    validZonesOffline: read(`${MEMORY}/memory${middle}/valid_zones`),
    online: await run(step({ kind: 'write', path: middleState, value: 'online' }, null, 'online in the default zone')),
    validZonesOnline: read(`${MEMORY}/memory${middle}/valid_zones`),
  };
  return { movableBlocks: movable.map((b) => b.index), block: block.index, before: block, off, on, plain, inside };
});

await check('kexec', async () => {
  const kexec = machine.kexec;
  const loadedFile = () => read('sys/kernel/kexec_loaded');
  const status = () => ({ kexecLoaded: loadedFile(), loaded: kexec.loaded() });
  const plain = { image: IMAGE, initrd: INITRD, cmdline: CMDLINE };
  // parker never loads without a window: kexec_file_load (-s) gives no placement control.
  const argsOf = (request) => {
    try {
      return kexecArgs(request);
    } catch (e) {
      return { refused: e instanceof Error ? e.message : String(e) };
    }
  };
  const fileLoad = { args: argsOf(plain), before: status(), load: await attempt(() => kexec.load(plain)), afterLoad: status() };
  fileLoad.unload = await attempt(() => kexec.unload());
  fileLoad.afterUnload = status();
  // Windows as a partition's memory would give them: node 1's boot RAM below 4 GiB, the
  // DIMM above it, and 48 MiB: room for the image and the initrd, but less than the
  // kernel's init_size (the simulator refuses that window with ENOMEM).
  const windows = {
    below4G: { start: 0x40000000, end: 0x7fffffff },
    dimm: { start: 0x100000000, end: 0x13fffffff },
    belowInitSize: { start: 0x40000000, end: 0x42ffffff },
  };
  const windowLoads = {};
  for (const [name, window] of Object.entries(windows)) {
    const request = { ...plain, window };
    const load = await attempt(() => kexec.load(request));
    const afterLoad = status();
    const unload = await attempt(() => kexec.unload());
    windowLoads[name] = { args: argsOf(request), load, afterLoad, unload, afterUnload: status(), placement: load.ok ? await placement(request) : null };
  }
  // What kexec refuses, and the errno parker's host kexec makes of it.
  const notAnImage = '/mnt/lab/boot/kernel-release';
  const refusals = {
    missingImage: await attempt(() => kexec.load({ ...plain, image: '/mnt/lab/boot/no-such-vmlinuz', window: windows.below4G })),
    notAnImage: await attempt(() => kexec.load({ ...plain, image: notAnImage, window: windows.below4G })),
  };
  return { fileLoad, windowLoads, refusals, afterRefusals: status() };
});

fs.writeFileSync('timings.json', `${JSON.stringify({ checks: timings, discover: discoverTimes }, null, 2)}\n`);
process.exitCode = failed ? 1 : 0;
