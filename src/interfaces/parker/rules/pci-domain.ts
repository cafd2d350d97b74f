import { parsePciAddress } from '../../../units/pci-address.js';
import { assignedDevices, quoted } from '../../../validate/layout-lookup.js';
import type { Finding, Rule } from '../../../validate/rule.js';

/** H16: the control structure carries bus<<8|devfn only, so a partition's devices must be on PCI domain 0. */
export const pciDomainRule: Rule = {
  id: 'pci-domain',
  hazard: 'H16',
  description: 'every device of an application kernel is on PCI domain 0000',
  check(ctx) {
    const out: Finding[] = [];
    for (const { kernel, address, path } of assignedDevices(ctx)) {
      const domain = domainOf(address);
      if (domain === null || domain === 0) continue;
      out.push({
        severity: 'error',
        message: `kernel ${quoted(kernel.name)} takes ${address} on PCI domain ${address.split(':')[0]}; Parker names devices by bus and function only, on domain 0000`,
        fix: `choose a device on domain 0000 (for a device behind Intel VMD, turn VMD off in the firmware so it appears on domain 0000)`,
        path,
        kernels: [kernel.name],
      });
    }
    return out;
  },
};

function domainOf(address: string): number | null {
  try {
    return parsePciAddress(address).domain;
  } catch {
    return null;
  }
}
