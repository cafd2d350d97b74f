import { assignedDevices, quoted } from '../layout-lookup.js';
import type { Finding, Rule } from '../rule.js';

/** H15: bridges and PCIe ports cannot be passed to a partition; AER and hot-plug belong to the port's owner. */
export const pciBridgeRule: Rule = {
  id: 'pci-bridge',
  hazard: 'H15',
  description: 'no PCI bridge or PCIe port goes to an application kernel',
  needsPlacement: false,
  check(ctx) {
    const out: Finding[] = [];
    for (const { kernel, address, device, path } of assignedDevices(ctx)) {
      if (device === undefined || !device.bridge) continue;
      const behind = ctx.topology.pci.filter((d) => d.parent === address && !d.bridge).map((d) => d.address);
      out.push({
        severity: 'error',
        message: `kernel ${quoted(kernel.name)} takes ${address}, a PCI bridge or PCIe port (${device.className ?? 'bridge'}), which Parker cannot hand over`,
        fix: behind.length > 0 ? `take the devices behind it instead: ${behind.join(', ')}` : `remove ${address} from its devices`,
        path,
        kernels: [kernel.name],
      });
    }
    return out;
  },
};
