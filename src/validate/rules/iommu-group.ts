import { comparePciAddresses } from '../../units/pci-address.js';
import { BOOT, deviceOrigin, deviceOwners, listWords, quoted } from '../layout-lookup.js';
import type { Finding, Rule } from '../rule.js';

/**
 * H14: devices in one IOMMU group cannot be isolated from each other, so a group's functions
 * all go to one kernel. Bridges in a group are left out, as VFIO does: they are never
 * assigned (H15) and do not issue DMA of their own.
 */
export const iommuGroupRule: Rule = {
  id: 'iommu-group',
  hazard: 'H14',
  description: 'all functions of an IOMMU group go to the same kernel',
  check(ctx) {
    const groups = new Map<number, string[]>();
    for (const device of ctx.topology.pci) {
      if (device.iommuGroup === null || device.bridge) continue;
      groups.set(device.iommuGroup, [...(groups.get(device.iommuGroup) ?? []), device.address]);
    }
    const owners = deviceOwners(ctx.placement.kernels);
    const out: Finding[] = [];
    for (const [group, members] of [...groups].sort(([a], [b]) => a - b)) {
      members.sort(comparePciAddresses);
      const ownerOf = (address: string) => owners.get(address)?.name ?? BOOT;
      const holders = [...new Set(members.map(ownerOf))];
      if (holders.length < 2) continue;
      // The first kernel in spec order that takes part of the group is asked to take all of it.
      const taker = ctx.placement.kernels.find((k) => members.some((m) => owners.get(m) === k))!;
      const missing = members.filter((m) => owners.get(m) !== taker);
      const elsewhere = missing.filter((m) => ownerOf(m) !== BOOT);
      const split = members.map((m) => `${m} to ${ownerOf(m) === BOOT ? 'the boot kernel' : quoted(ownerOf(m))}`);
      const first = members.find((m) => owners.get(m) === taker)!;
      out.push({
        severity: 'error',
        message: `IOMMU group ${group} is split (${split.join(', ')}): devices in one group cannot be isolated from each other`,
        fix:
          `add ${listWords(missing)} to the devices of ${quoted(taker.name)}` +
          (elsewhere.length > 0 ? ` and remove ${listWords(elsewhere)} from ${listWords([...new Set(elsewhere.map(ownerOf))].map(quoted))}` : '') +
          `, or leave the whole group to one kernel`,
        path: deviceOrigin(ctx.spec.kernels[taker.index], taker.index, first).path,
        kernels: [...holders].sort((a, b) => (a === BOOT ? -1 : b === BOOT ? 1 : 0)),
      });
    }
    return out;
  },
};
