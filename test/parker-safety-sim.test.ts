import { describe, expect, it } from 'vitest';
import { parkerInterface } from './fixtures/kernel-interface.js';
import { memorySimMachine, SIM_IMAGE, type SimMachine } from '../src/machines/sim/sim-machine.js';
import { discover } from '../src/topology/discover.js';
import type { Intent } from '../src/plan/intent.js';
import { DEFAULT_READY_PATTERN } from '../src/spec/spec-schema.js';
import { PARKER_CMDLINE } from '../src/interfaces/parker/cmdline.js';
import { renderCmdline } from '../src/plan/cmdline-params.js';

// The same checks against the simulated Parker machine, which does what the real kernel did
// when they are missing: a second start resets the machine, an image outside the partition
// crashes it, a kernel whose CPU the boot kernel took back comes online and never boots.

const CMDLINE = `console=ttyS1,115200 ${renderCmdline(PARKER_CMDLINE.params)}`;

function node1Cpus(machine: SimMachine): number[] {
  return discover(machine).nodes.find((n) => n.id === 1)!.cpus.slice(0, 2);
}

/** Creates partition `name` on node 1 with 1 GiB and loads the test image into it, through parker. */
async function prepared(machine: SimMachine, name: string, cpus = node1Cpus(machine)): Promise<void> {
  const steps: Intent[] = [
    { kind: 'create-partition', partition: name },
    { kind: 'assign-cpus', partition: name, cpus },
    { kind: 'allocate-memory', partition: name, bytes: 2 ** 30, node: 1 },
    { kind: 'load-image', partition: name, image: SIM_IMAGE, cmdline: CMDLINE },
  ];
  for (const intent of steps) await parkerInterface.perform(machine, intent);
}

const ready = (name: string): Intent => ({ kind: 'wait-ready', partition: name, pattern: DEFAULT_READY_PATTERN, timeoutMs: 30_000 });

describe('on the simulated Parker machine', () => {
  it('starts a kernel placed inside its partition and sees it reach userspace', async () => {
    const machine = memorySimMachine();
    await prepared(machine, 'a');
    await parkerInterface.perform(machine, { kind: 'start', partition: 'a', ready: true });
    await parkerInterface.perform(machine, { kind: 'wait-online', partition: 'a', timeoutMs: 30_000 });
    await parkerInterface.perform(machine, ready('a'));
    expect(machine.crashed()).toBeNull();
  });

  it('never writes online a second time to a partition whose kernel powered off: it refuses, and the machine lives', async () => {
    const machine = memorySimMachine();
    await prepared(machine, 'a');
    await parkerInterface.perform(machine, { kind: 'start', partition: 'a' });
    machine.powerOff('a');
    await parkerInterface.perform(machine, { kind: 'load-image', partition: 'a', image: SIM_IMAGE, cmdline: CMDLINE });
    await expect(parkerInterface.perform(machine, { kind: 'start', partition: 'a' })).rejects.toMatchObject({ code: 'E_START', message: expect.stringMatching(/single-use/) });
    expect(machine.crashed()).toBeNull();
  });

  it('refuses to start an image loaded outside the partition, where the machine would crash', async () => {
    const machine = memorySimMachine();
    await prepared(machine, 'a');
    // Loaded by hand with a window that is not the partition's.
    await machine.kexec.load({ image: SIM_IMAGE, cmdline: CMDLINE, window: { start: 0x1000000, end: 0x3fffffff } });
    await expect(parkerInterface.perform(machine, { kind: 'start', partition: 'a' })).rejects.toMatchObject({ code: 'E_START', message: expect.stringMatching(/^the loaded image has a segment at 0x1000000-/) });
    expect(machine.crashed()).toBeNull();
  });

  it('calls a kernel up only when its console says so: online is not booted', async () => {
    const machine = memorySimMachine();
    const cpus = node1Cpus(machine);
    await prepared(machine, 'a', cpus);
    // The boot kernel takes a partition CPU back (the RFC's hotplug guard lets it): the kernel
    // comes online at the end of its PCI scan and never reaches userspace.
    machine.fs.write(`sys/devices/system/cpu/cpu${cpus[1]}/online`, '1');
    await parkerInterface.perform(machine, { kind: 'start', partition: 'a', ready: true });
    await parkerInterface.perform(machine, { kind: 'wait-online', partition: 'a', timeoutMs: 30_000 });
    await expect(parkerInterface.perform(machine, ready('a'))).rejects.toMatchObject({ code: 'E_TIMEOUT', message: expect.stringMatching(/^a came online but its console showed no line matching/) });
  });
});
