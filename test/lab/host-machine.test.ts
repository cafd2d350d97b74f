import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseBzImage } from '../../src/machines/sim/bzimage.js';
import { assertLabReady, explainRun, labDir, runInVm, type VmRun } from './vm.js';

// parker's host machine (hostMachine('/', true): DirectoryFs plus kexec-tools) changing the
// lab VM's running kernel through runOp, and discover() reading back what the kernel did.
// test/lab/guest/host-machine-ops.mjs runs in the VM and leaves one JSON file per check.

const CPUS = [0, 1, 2, 3, 4, 5, 6, 7];
const MiB = 1024 * 1024;
const BLOCK = 128 * MiB;
const NVME = '0000:81:00.0';
const IMAGE = '/mnt/lab/boot/vmlinuz';
const INITRD = '/mnt/lab/boot/initrd.img';
const CMDLINE = 'console=ttyS0 lab.stage=2';
/** The result of a step that ran: runOp returned. */
const done = (summary: string) => ({ summary, ok: true });
const ok = { ok: true };
const notLoaded = { kexecLoaded: '0', loaded: false };
const loaded = { kexecLoaded: '1', loaded: true };

/** Step and kexec durations vary from run to run: drop them before comparing. */
function withoutMs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutMs);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'ms')
      .map(([key, v]) => [key, withoutMs(v)]),
  );
}

describe('parker host machine code against the real kernel of the q35 2-node lab VM', () => {
  let run: VmRun;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON written by the guest script
  const results: Record<string, any> = {};

  beforeAll(async () => {
    assertLabReady();
    run = await runInVm('host-machine', 'test/lab/guest/host-machine-ops.mjs', [], { timeoutSeconds: 240 });
    expect(run.exitCode, explainRun(run)).toBe(0);
    for (const name of ['cpu-hotplug', 'boot-cpu', 'nvme-rebind', 'memory-hotplug', 'kexec', 'timings']) {
      results[name] = withoutMs(JSON.parse(fs.readFileSync(path.join(run.dir, `${name}.json`), 'utf8')));
    }
    const t = run.guestTimes;
    console.log(
      `lab host-machine: ${run.hostSeconds}s on the host; guest: init at ${t.init}s, the script ran ` +
        `${((t.end ?? NaN) - (t.start ?? NaN)).toFixed(2)}s; ${fs.readFileSync(path.join(run.dir, 'timings.json'), 'utf8').replace(/\s+/g, ' ')}`,
    );
  });

  it('offlines CPU 3: it reads back 0, loses its topology, and leaves its node, package, core and L3', () => {
    const { off } = results['cpu-hotplug'];
    expect(off.step).toEqual(done('write sys/devices/system/cpu/cpu3/online = 0'));
    expect(off.readBack).toBe('0');
    expect(off.topologyDir).toBe(false);
    expect(off.discovered).toEqual({
      sets: { possible: CPUS, present: CPUS, online: [0, 1, 2, 4, 5, 6, 7], offline: [3] },
      // Its node still comes from the cpu3/node0 link, which an offline CPU keeps.
      cpu: { id: 3, online: false, hotpluggable: true, package: null, die: null, cluster: null, core: null, threadSiblings: null, node: 0, llc: null },
      node0Cpus: [0, 1, 2],
      package0Cpus: [0, 1, 2],
      cores: [
        { coreId: 0, cpus: [0, 1] },
        { coreId: 1, cpus: [2] },
      ],
      l3: [
        [0, 1, 2],
        [4, 5, 6, 7],
      ],
    });
  });

  it('onlines CPU 3 again: it reads back 1 and discovery places it exactly as at boot', () => {
    const { before, on } = results['cpu-hotplug'];
    expect(on.step).toEqual(done('write sys/devices/system/cpu/cpu3/online = 1'));
    expect(on.readBack).toBe('1');
    expect(on.topologyDir).toBe(true);
    expect(on.discovered).toEqual(before);
    expect(on.discovered.cpu).toMatchObject({ online: true, package: 0, die: 0, core: 1, threadSiblings: [2, 3], node: 0, llc: { level: 3, cpus: [0, 1, 2, 3] } });
    expect(on.discovered.node0Cpus).toEqual([0, 1, 2, 3]);
  });

  it('cannot offline the boot CPU: cpu0 has no online file, and the write fails with ENOENT', () => {
    // DirectoryFs.write opens without O_CREAT, as the simulator answers: the file does not exist.
    expect(results['boot-cpu']).toEqual({
      step: { summary: 'write sys/devices/system/cpu/cpu0/online = 0', ok: false, kernelError: true, errno: 'ENOENT', message: 'write sys/devices/system/cpu/cpu0/online: ENOENT' },
      onlineFileExists: false,
      openWithoutCreate: 'ENOENT',
      cpu0Online: true,
    });
  });

  it('unbinds the NVMe drive from nvme and binds it back through driver_override and drivers_probe', () => {
    const dir = `sys/bus/pci/devices/${NVME}`;
    expect(results['nvme-rebind']).toEqual({
      address: NVME,
      driverBefore: 'nvme',
      unbound: { step: done(`write ${dir}/driver/unbind = ${NVME}`), driverLink: null, discoveredDriver: null },
      rebound: {
        override: done(`write ${dir}/driver_override = nvme`),
        probe: done(`write sys/bus/pci/drivers_probe = ${NVME}`),
        driverOverride: 'nvme',
        driverLink: '../../../../bus/pci/drivers/nvme',
        discoveredDriver: 'nvme',
      },
      cleared: { step: done(`write ${dir}/driver_override = \n`), driverOverride: '(null)' },
    });
  });

  it('offlines a Movable DIMM block and onlines it Movable again', () => {
    const memory = results['memory-hotplug'];
    const state = 'sys/devices/system/memory/memory39/state';
    const block = (state: string, zones: string[]) => ({ index: 39, range: { start: 39 * BLOCK, end: 40 * BLOCK - 1 }, state, online: state === 'online', zones, removable: true, node: 1 });
    expect(memory.movableBlocks).toEqual([32, 33, 34, 35, 36, 37, 38, 39]);
    expect(memory.block).toBe(39);
    expect(memory.before).toEqual(block('online', ['Movable']));
    // An offline block's valid_zones lists where it could go, the default zone first.
    expect(memory.off).toEqual({ step: done(`write ${state} = offline`), readBack: 'offline', discovered: block('offline', ['Normal', 'Movable']) });
    expect(memory.on).toEqual({ step: done(`write ${state} = online_movable`), readBack: 'online', discovered: block('online', ['Movable']) });
  });

  it('onlines a block in its default zone on a plain "online": Normal at the edge of the Movable zone, Movable inside it', () => {
    // Offlining the last block shrinks the Movable zone's span, so the block no longer lies in
    // it and the default becomes the kernel zone; a block inside the span keeps Movable.
    const state = (block: number) => `sys/devices/system/memory/memory${block}/state`;
    expect(results['memory-hotplug'].plain).toEqual({
      offline: done(`write ${state(39)} = offline`),
      validZonesOffline: 'Normal Movable',
      online: done(`write ${state(39)} = online`),
      validZonesOnline: 'Normal',
    });
    expect(results['memory-hotplug'].inside).toEqual({
      block: 36,
      offline: done(`write ${state(36)} = offline`),
      validZonesOffline: 'Movable Normal',
      online: done(`write ${state(36)} = online`),
      validZonesOnline: 'Movable',
    });
  });

  it('never loads without a window: kexec_file_load (-s) would place the image anywhere, so parker refuses before kexec runs', () => {
    const refused = `refusing to load ${IMAGE} without a memory window: kexec_file_load (kexec -s) gives no placement control`;
    expect(results['kexec'].fileLoad).toEqual({
      args: { refused },
      before: notLoaded,
      load: { ok: false, kernelError: false, errno: null, message: refused },
      afterLoad: notLoaded,
      unload: ok,
      afterUnload: notLoaded,
    });
  });

  for (const [name, start, end] of [
    ['below4G', 0x40000000, 0x7fffffff],
    ['dimm', 0x100000000, 0x13fffffff],
  ] as const) {
    it(`loads it with kexec_load into a window (${name}), every segment inside --mem-min/--mem-max`, () => {
      const result = results['kexec'].windowLoads[name];
      expect({ ...result, placement: null }).toEqual({
        // -d: kexec-tools lists where each segment landed, which parker checks before a start.
        args: ['-d', '-l', IMAGE, `--append=${CMDLINE}`, `--initrd=${INITRD}`, `--mem-min=0x${start.toString(16)}`, `--mem-max=0x${end.toString(16)}`],
        load: ok,
        afterLoad: loaded,
        unload: ok,
        afterUnload: notLoaded,
        placement: null,
      });
      // kernel, initrd, boot parameters, command line, purgatory: kexec-tools -d lists them.
      expect(result.placement).toMatchObject({ exitCode: 0, segments: 5, inside: true });
      const ranges = (result.placement.ranges as string[]).map((r) => r.split('-').map(Number) as [number, number]);
      expect(ranges.filter(([s, e]) => s < start || e > end)).toEqual([]);
    });
  }

  it('refuses a window smaller than the kernel init_size with ENOMEM, as the simulator does', () => {
    const initSize = parseBzImage(fs.readFileSync(path.join(labDir(), 'share/boot/vmlinuz'))).initSize;
    expect(results['kexec'].windowLoads.belowInitSize).toEqual({
      args: ['-d', '-l', IMAGE, `--append=${CMDLINE}`, `--initrd=${INITRD}`, '--mem-min=0x40000000', '--mem-max=0x42ffffff'],
      load: {
        ok: false,
        kernelError: true,
        errno: 'ENOMEM',
        // The area kexec-tools looks for is the setup header's init_size, to the byte.
        message: `kexec ${IMAGE}: ENOMEM (Could not find a free area of memory of 0x${initSize.toString(16)} bytes...; locate_hole failed)`,
      },
      afterLoad: notLoaded,
      unload: ok,
      afterUnload: notLoaded,
      placement: null,
    });
  });

  it('names the errno of what kexec refuses: a missing image ENOENT, a file that is no kernel ENOEXEC', () => {
    const refusal = (image: string, errno: string, detail: string) => ({ ok: false, kernelError: true, errno, message: `kexec ${image}: ${errno} (${detail})` });
    const text = '/mnt/lab/boot/kernel-release';
    expect(results['kexec'].refusals).toEqual({
      missingImage: refusal('/mnt/lab/boot/no-such-vmlinuz', 'ENOENT', "Cannot open `/mnt/lab/boot/no-such-vmlinuz': No such file or directory"),
      notAnImage: refusal(text, 'ENOEXEC', `Cannot determine the file type of ${text}`),
    });
    expect(results['kexec'].afterRefusals).toEqual(notLoaded);
  });
});
