import { describe, expect, it } from 'vitest';
import { parkerInterface } from '../src/interfaces/parker/index.js';
import { memorySimMachine } from '../src/machines/sim/sim-machine.js';
import { discover } from '../src/topology/discover.js';
import { readPartitions } from '../src/interfaces/parker/read-partitions.js';
import { loadSpec } from '../src/spec/load-spec.js';
import { prepareLayout } from '../src/validate/prepare-layout.js';
import { diffLayout, stopPlan } from '../src/plan/diff.js';
import { executePlan } from '../src/apply/execute.js';
import { Journal } from '../src/apply/journal.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

function layout(kernels: string): ReturnType<typeof prepareLayout> {
  const text = `apiVersion: parker/v1alpha1\nkind: Layout\nmetadata: { name: t }\nkernels:\n${kernels}`;
  const { spec } = loadSpec(text, 't.yaml');
  return prepareLayout({ kernelInterface: parkerInterface, spec: spec!, topology: discover(memorySimMachine()) });
}

const a = `  - { name: a, cpus: "32-39,160-167", memory: 4G, image: /boot/vmlinuz-parker, stop: { command: [poweroff-a] } }\n`;
const b = `  - { name: b, cpus: { count: 16, placement: nodes, nodes: [2] }, memory: 2G, image: /boot/vmlinuz-parker }\n`;

async function applyTo(machine: ReturnType<typeof memorySimMachine>, kernels: string): Promise<void> {
  const prepared = layout(kernels);
  const plan = diffLayout(parkerInterface, prepared.resolved!, { topology: discover(machine), partitions: readPartitions(machine.fs) });
  const journal = new Journal(fs.mkdtempSync(path.join(os.tmpdir(), 'parker-diff-')));
  const result = await executePlan(machine, parkerInterface, plan.steps, journal, { command: 'test' });
  expect(result.failure?.error ?? null).toBeNull();
}

describe('diffLayout', () => {
  it('creates each kernel with the exact files and values, each step with its undo', () => {
    const prepared = layout(a);
    const plan = diffLayout(parkerInterface, prepared.resolved!, { topology: discover(memorySimMachine()), partitions: [] });
    expect(plan.kernels).toEqual([{ kernel: 'a', action: 'create', reasons: ['16 CPUs, 4G, 0 devices'] }]);
    expect(plan.steps.map((s) => [s.summary, s.undo?.kind ?? null])).toEqual([
      ['mkdir sys/fs/parker/a', 'remove-partition'],
      ['write sys/fs/parker/a/cpus = 32-39,160-167', null],
      ['write sys/fs/parker/a/memory = 4G', null],
      ['kexec load /boot/vmlinuz-parker for a', 'unload-image'],
      ['write sys/fs/parker/a/online = 1', 'stop'],
      ['wait until sys/fs/parker/a/online = 1 (at most 120 s)', null],
      ['wait until the console of a shows /Run \\S+ as init process/ (at most 120 s)', null],
    ]);
  });

  it('gives the same bytes for the same inputs', () => {
    const one = JSON.stringify(diffLayout(parkerInterface, layout(a + b).resolved!, { topology: discover(memorySimMachine()), partitions: [] }));
    const two = JSON.stringify(diffLayout(parkerInterface, layout(a + b).resolved!, { topology: discover(memorySimMachine()), partitions: [] }));
    expect(one).toBe(two);
  });

  it('has no steps for a machine that already matches, and deletes, replaces or starts what differs', async () => {
    const machine = memorySimMachine();
    await applyTo(machine, a + b);
    const observed = () => ({ topology: discover(machine), partitions: readPartitions(machine.fs) });
    expect(diffLayout(parkerInterface, layout(a + b).resolved!, observed()).steps).toEqual([]);

    // b is no longer wanted; a gets other CPUs: delete b (no stop command known: wait), replace a.
    const moved = `  - { name: a, cpus: "40-47,168-175", memory: 4G, image: /boot/vmlinuz-parker, stop: { command: [poweroff-a] } }\n`;
    const plan = diffLayout(parkerInterface, layout(moved).resolved!, observed(), layout(a + b).resolved!.spec.kernels);
    expect(plan.kernels).toEqual([
      { kernel: 'b', action: 'delete', reasons: ['not in the layout'] },
      { kernel: 'a', action: 'replace', reasons: ['cpus 32-39,160-167 -> 40-47,168-175'] },
    ]);
    expect(plan.steps.slice(0, 2).map((s) => s.summary)).toEqual(['check that b has powered off (no stop command is known for it)', 'rmdir sys/fs/parker/b']);
    expect(plan.steps[2]!.summary).toBe('run poweroff-a, then wait until sys/fs/parker/a/online = 0 (at most 60 s)');

    // A stopped kernel is started again in a new partition: Parker's partitions are single-use
    // (a second online write resets the machine), so online is never written twice.
    machine.powerOff('a');
    const restart = diffLayout(parkerInterface, layout(a + b).resolved!, observed());
    expect(restart.kernels.find((k) => k.kernel === 'a')).toEqual({ kernel: 'a', action: 'start', reasons: ['not online'] });
    expect(restart.steps.map((s) => s.summary)).toEqual([
      'rmdir sys/fs/parker/a',
      'mkdir sys/fs/parker/a',
      'write sys/fs/parker/a/cpus = 32-39,160-167',
      'write sys/fs/parker/a/memory = 4G',
      'kexec load /boot/vmlinuz-parker for a',
      'write sys/fs/parker/a/online = 1',
      'wait until sys/fs/parker/a/online = 1 (at most 120 s)',
      'wait until the console of a shows /Run \\S+ as init process/ (at most 120 s)',
    ]);
  });

  it('stops a kernel with its stop command, then waits for online to drop', () => {
    const plan = stopPlan(parkerInterface, { name: 'a', id: 1, controlStructure: null, cpus: [], memory: null, devices: [], online: true }, layout(a).resolved!.spec.kernels[0]);
    expect(plan.steps.map((s) => s.summary)).toEqual(['run poweroff-a, then wait until sys/fs/parker/a/online = 0 (at most 60 s)']);
  });
});

describe('diffLayout: the boot kernel side', () => {
  it('brings back online the CPUs the boot kernel keeps, and probes the devices it keeps, when nothing owns them', () => {
    const machine = memorySimMachine();
    machine.fs.write('sys/devices/system/cpu/cpu5/online', '0');
    machine.fs.write('sys/bus/pci/devices/0000:00:02.0/driver/unbind', '0000:00:02.0');
    const text = `apiVersion: parker/v1alpha1\nkind: Layout\nmetadata: { name: t }\nboot: { cpus: "0-7,128-135", devices: ["0000:00:02.0"] }\nkernels: []\n`;
    const { spec } = loadSpec(text, 't.yaml');
    const prepared = prepareLayout({ kernelInterface: parkerInterface, spec: spec!, topology: discover(machine) });
    const plan = diffLayout(parkerInterface, prepared.resolved!, { topology: discover(machine), partitions: readPartitions(machine.fs) });
    expect(plan.kernels).toEqual([{ kernel: 'boot', action: 'change', reasons: ['CPUs 5 offline -> online', 'devices 0000:00:02.0 without a driver -> probed'] }]);
    expect(plan.steps.map((s) => s.summary)).toEqual(['write sys/devices/system/cpu/cpu5/online = 1', 'write sys/bus/pci/drivers_probe = 0000:00:02.0']);
  });
});
