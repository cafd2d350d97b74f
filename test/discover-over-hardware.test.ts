import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Machine } from '../src/machines/machine.js';
import type { SimSource } from '../src/machines/sim/sim-state.js';
import { applyLayout } from '../src/service/apply.js';
import { destroyPartitions, stopKernel } from '../src/service/lifecycle.js';
import { openMachine } from '../src/service/open-machine.js';
import type { ServiceContext } from '../src/service/service-context.js';
import { createSim } from '../src/service/sim.js';
import { discover, discoverOverHardware } from '../src/topology/discover.js';
import { fixedHardwareOf, hardwareOf, withHardware } from '../src/topology/hardware-topology.js';

// The simulator's live topology is read over its recorded hardware (discoverOverHardware):
// only the CPU sets, nodes, memory, devices, pools and partitions, never the topology and
// cache files of every CPU. It must be what the whole discovery gives, with the hardware's
// structure where partitions hide it, byte for byte, whatever the machine went through.

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-over-hardware-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function contextFor(stateDir: string): ServiceContext {
  return { open: (o) => openMachine({ machine: 'sim', stateDir }, o), stateDir, confirm: async () => true, now: () => new Date('2026-12-07T12:00:00Z') };
}

/** Compares the two readings of the machine as it is now; returns the whole one. */
function agree(machine: Machine): void {
  const hardware = fixedHardwareOf(machine);
  expect(hardware).not.toBeNull();
  const fast = discoverOverHardware(machine, hardware!);
  const live = discover(machine);
  const whole = withHardware(live, hardwareOf(machine, live));
  // The fast reading applies here (no warnings), and says the same, in the same key order.
  expect(fast).not.toBeNull();
  expect(JSON.stringify(fast)).toBe(JSON.stringify(whole));
}

const SYNTHETIC_LAYOUT = `apiVersion: parker/v1alpha1
kind: Layout
metadata: { name: three }
kernels:
  - name: a
    cpus: { count: 8 }
    memory: 2G
    devices: [{ class: nvme }]
    image: /boot/vmlinuz-parker
    stop: { command: [ssh, root@a, poweroff] }
  - name: b
    profile: latency
    cpus: { count: 4 }
    memory: 1G
    image: /boot/vmlinuz-parker
    stop: { command: [ssh, root@b, poweroff] }
  - name: c
    cpus: { count: 6, placement: spread }
    memory: 1G
    image: /boot/vmlinuz-parker
    stop: { command: [ssh, root@c, poweroff] }
`;

const MACHINES: { name: string; source: SimSource; layout: string }[] = [
  { name: 'the default server', source: { kind: 'default' }, layout: 'examples/default.yaml' },
  {
    name: 'a synthetic machine with SMT, a memory-only node and NVMe',
    source: { kind: 'synthetic', description: 'pack:2 numa:2 l3:2 core:4 pu:2 mem:8G memnodes:1 memnode-mem:8G nvme:1 cmdline:"console=ttyS0 iommu=pt parker_cma=0:4G,1:4G,2:4G,3:4G"' },
    layout: SYNTHETIC_LAYOUT,
  },
  {
    name: 'a synthetic machine without SMT, CPUs numbered round robin',
    source: { kind: 'synthetic', description: 'pack:2 numa:1 l3:2 core:6 pu:1 mem:8G nvme:1 numbering:roundrobin cmdline:"console=ttyS0 iommu=pt parker_cma=0:4G,1:4G"' },
    layout: SYNTHETIC_LAYOUT,
  },
];

describe('discoverOverHardware', () => {
  for (const [i, m] of MACHINES.entries()) {
    it(`reads ${m.name} as the whole discovery does: fresh, applied, stopped, a driver unbound, destroyed`, async () => {
      const stateDir = path.join(root, String(i));
      createSim(stateDir, { source: m.source, now: new Date() });
      const ctx = contextFor(stateDir);
      agree(ctx.open());

      let layout = m.layout;
      if (!layout.endsWith('.yaml')) {
        layout = path.join(root, `layout-${i}.yaml`);
        fs.writeFileSync(layout, m.layout);
      }
      const report = await applyLayout(ctx, layout);
      expect(report.outcome, JSON.stringify(report.result).slice(0, 3000)).toBe('applied');
      const applied = ctx.open();
      agree(applied);
      const running = fixedHardwareOf(applied)!;
      expect(discoverOverHardware(applied, running)!.cpus.offline.length).toBeGreaterThan(0);

      const first = discover(applied).parker.partitions[0]!;
      await stopKernel(ctx, first);
      agree(ctx.open());

      // A device of the boot kernel loses its driver.
      const machine = ctx.open();
      const device = discover(machine).pci.find((d) => d.driver !== null && d.className !== 'bridge');
      expect(device).toBeDefined();
      machine.fs.write(`sys/bus/pci/drivers/${device!.driver}/unbind`, device!.address);
      agree(ctx.open());

      await destroyPartitions(ctx, { all: true });
      agree(ctx.open());
    });
  }

  it('gives way to the whole discovery when the CPUs are not the record\'s', () => {
    const stateDir = path.join(root, 'other');
    createSim(stateDir, { source: { kind: 'default' }, now: new Date() });
    const machine = openMachine({ machine: 'sim', stateDir });
    const hardware = fixedHardwareOf(machine)!;
    const fewer = { ...hardware, cpu: hardware.cpu.slice(1) };
    expect(discoverOverHardware(machine, fewer)).toBeNull();
    const warned = { ...hardware, warnings: [{ path: 'sys/x', message: 'x' }] };
    expect(discoverOverHardware(machine, warned)).toBeNull();
  });
});
