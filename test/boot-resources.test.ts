import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyLayout } from '../src/service/apply.js';
import { bootResources } from '../src/service/boot-resources.js';
import { machineTopology } from '../src/service/machine-topology.js';
import { openMachine } from '../src/service/open-machine.js';
import { createSim } from '../src/service/sim.js';
import { startKernel, stopKernel } from '../src/service/lifecycle.js';
import type { ServiceContext } from '../src/service/service-context.js';
import type { Machine } from '../src/machines/machine.js';

// `parker start` reads a few files instead of discovering the whole machine: what it reads
// must be what discovery says about the same CPUs and devices.

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-boot-resources-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function contextFor(stateDir: string): ServiceContext {
  return { open: (o) => openMachine({ machine: 'sim', stateDir }, o), stateDir, confirm: async () => true, now: () => new Date('2026-12-06T12:00:00Z') };
}

function agreesWithDiscovery(machine: Machine, cpus: number[], devices: string[]): void {
  const whole = machineTopology(machine);
  const few = bootResources(machine, cpus, devices);
  expect(few.cpus.online).toEqual(whole.cpus.online);
  for (const c of few.cpu) expect(c.hotpluggable, `cpu ${c.id}`).toBe(whole.cpu.find((w) => w.id === c.id)?.hotpluggable ?? false);
  expect(few.cpu.map((c) => c.id)).toEqual(cpus);
  expect(few.pci).toEqual(whole.pci.filter((d) => devices.includes(d.address)).map((d) => ({ address: d.address, driver: d.driver })));
}

describe('bootResources', () => {
  it('says what discovery says of every CPU and device, before and after partitions took some', async () => {
    const stateDir = path.join(root, 'a');
    createSim(stateDir, { source: { kind: 'default' }, now: new Date() });
    const ctx = contextFor(stateDir);
    const check = () => {
      const machine = ctx.open();
      const whole = machineTopology(machine);
      // Every CPU, every device, and a device that is not there.
      agreesWithDiscovery(machine, [...whole.cpu.map((c) => c.id), 9999], [...whole.pci.map((d) => d.address), '0000:ff:1f.7']);
      return whole;
    };
    const before = check();
    expect((await applyLayout(ctx, 'examples/default.yaml')).outcome).toBe('applied');
    // A device of the boot kernel without its driver.
    const device = before.pci.find((d) => d.driver !== null && d.address === '0000:01:00.0')!;
    ctx.open().fs.write(`sys/bus/pci/drivers/${device.driver}/unbind`, device.address);
    const after = check();
    // The layout took CPUs offline and the boot kernel's device lost its driver: both cases were compared.
    expect(after.cpus.online.length).toBeLessThan(before.cpus.online.length);
    expect(after.pci.find((d) => d.address === device.address)!.driver).toBeNull();
  });

  it('a start planned from it recreates the kernel whole and brings it back', async () => {
    const stateDir = path.join(root, 'b');
    createSim(stateDir, { source: { kind: 'default' }, now: new Date() });
    const ctx = contextFor(stateDir);
    await applyLayout(ctx, 'examples/default.yaml');
    expect((await stopKernel(ctx, 'web')).outcome).toBe('applied');
    const started = await startKernel(ctx, 'web');
    expect(started.outcome).toBe('applied');
    const kinds = started.plan!.steps.map((s) => s.intent.kind);
    expect(kinds.slice(0, 4)).toEqual(['remove-partition', 'create-partition', 'assign-cpus', 'allocate-memory']);
    expect(kinds).toContain('hand-over-device');
    expect(kinds.slice(-4)).toEqual(['load-image', 'start', 'wait-online', 'wait-ready']);
    expect(ctx.open().partitionState!('web')?.state).toBe('online');
  });
});
