import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { machineTopology } from '../src/service/machine-topology.js';
import { defaultServerDescription } from '../src/synthetic/default-server.js';
import { formatSyntheticDescription } from '../src/synthetic/description.js';
import { syntheticMachine } from '../src/synthetic/tree.js';
import { discover, discoverOverHardware } from '../src/topology/discover.js';
import type { PciIds } from '../src/topology/pci-ids.js';
import { smallSyntheticDescription } from './fixtures/synthetic-descriptions.js';

// A synthetic machine knows its hardware's structure from its description (syntheticHardware):
// planning against it reads only what changes. That must give exactly what discovering the
// whole tree gives, whatever the description.

/** Names are not what this test is about; keep discovery off the pci.ids file. */
const NO_NAMES: PciIds = { vendorName: () => null, deviceName: () => null };

function expectSameAsDiscovery(description: string): void {
  const machine = syntheticMachine(description);
  const hardware = machine.fixedHardware!();
  expect(hardware).not.toBeNull();
  const over = discoverOverHardware(machine, hardware!, { pciIds: NO_NAMES });
  expect(over, description).not.toBeNull();
  expect(over, description).toEqual(discover(syntheticMachine(description), { pciIds: NO_NAMES }));
}

describe('a synthetic machine\'s hardware from its description', () => {
  it('gives what whole discovery gives, for any small description', () => {
    fc.assert(fc.property(smallSyntheticDescription, expectSameAsDiscovery), { numRuns: 60 });
  });

  it('on the default server and on the 4096-CPU machine bench/plan plans for', () => {
    expectSameAsDiscovery(formatSyntheticDescription(defaultServerDescription()));
    expectSameAsDiscovery('pack:8 numa:2 l3:4 core:32 pu:2 mem:64G cmdline:"BOOT_IMAGE=/boot/vmlinuz-6.1.0-parker root=/dev/nvme0n1p2 ro console=ttyS0,115200 iommu=pt parker_cma=256G"');
  });

  it('is what planning uses (machineTopology), with device names as discovery gives them', () => {
    const description = 'pack:2 numa:2 l3:2 core:4 pu:2 mem:16G nvme:2 nic:1';
    const machine = syntheticMachine(description);
    let asked = 0;
    const fixed = machine.fixedHardware!;
    machine.fixedHardware = () => (asked++, fixed());
    expect(machineTopology(machine)).toEqual(discover(syntheticMachine(description)));
    expect(asked).toBe(1);
  });
});
