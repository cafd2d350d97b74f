import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSimMachine } from '../src/machines/sim/sim-machine.js';
import { createSim } from '../src/service/sim.js';
import { readLayout } from '../src/service/layout-input.js';
import { machineTopology } from '../src/service/machine-topology.js';
import { interfaceFor } from '../src/service/kernel-interfaces.js';

// Reading a layout against a machine needs no device names (placement and the rules go by class
// and address): pci.ids is not read for it. discover still names the devices.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'parker-layout-names-'));
const previous = process.env.PARKER_PCI_IDS;
afterAll(() => {
  if (previous === undefined) delete process.env.PARKER_PCI_IDS;
  else process.env.PARKER_PCI_IDS = previous;
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('device names', () => {
  it('are not looked up to read a layout, and are to describe the machine', () => {
    const ids = path.join(scratch, 'pci.ids');
    fs.writeFileSync(ids, '8086  Intel Corporation\n\t1593  Ethernet Controller E810-C for SFP\n144d  Samsung Electronics Co Ltd\n');
    process.env.PARKER_PCI_IDS = ids;
    const state = path.join(scratch, 'state');
    createSim(state, { source: { kind: 'default' }, now: new Date('2026-12-07T12:00:00Z') });
    const machine = openSimMachine(state);
    const described = machineTopology(machine);
    expect(described.pci.filter((d) => d.vendorName === 'Intel Corporation').length).toBeGreaterThan(0);
    expect(described.pci.some((d) => d.deviceName === 'Ethernet Controller E810-C for SFP')).toBe(true);
    const input = readLayout('examples/default.yaml', machine, interfaceFor(machine.fs));
    expect(input.prepared?.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(input.topology.pci.length).toBe(described.pci.length);
    expect(input.topology.pci.map((d) => [d.vendorName, d.deviceName])).toEqual(described.pci.map(() => [null, null]));
    // Everything else is the same machine.
    expect(input.topology.pci.map((d) => ({ ...d, vendorName: null, deviceName: null }))).toEqual(described.pci.map((d) => ({ ...d, vendorName: null, deviceName: null })));
  });
});
