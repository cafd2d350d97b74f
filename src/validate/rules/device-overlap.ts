import type { KernelPlacement } from '../../plan/resolved-layout.js';
import { BOOT, deviceOrigin, normalizeOrNull, quoted } from '../layout-lookup.js';
import type { Finding, Rule } from '../rule.js';

/**
 * No PCI device goes to two kernels, nor to a kernel while boot.devices keeps it. (One kernel
 * naming a device twice is the loader's "duplicate-device".)
 */
export const deviceOverlapRule: Rule = {
  id: 'device-overlap',
  description: 'no PCI device is given to two kernels',
  check(ctx) {
    const out: Finding[] = [];
    const boot = new Set(ctx.placement.boot.devices);
    for (const text of ctx.spec.boot.devices) {
      const address = normalizeOrNull(text);
      if (address !== null) boot.add(address);
    }
    const owners = new Map<string, KernelPlacement>();
    for (const kernel of ctx.placement.kernels) {
      const spec = ctx.spec.kernels[kernel.index];
      for (const address of new Set(kernel.devices)) {
        const path = deviceOrigin(spec, kernel.index, address).path;
        const earlier = owners.get(address);
        if (earlier === undefined) owners.set(address, kernel);
        else {
          out.push({
            severity: 'error',
            message: `kernels ${quoted(earlier.name)} and ${quoted(kernel.name)} both take PCI device ${address}`,
            fix: `give ${address} to one of them: remove it from the devices of ${quoted(kernel.name)} or of ${quoted(earlier.name)}`,
            path,
            kernels: [earlier.name, kernel.name],
          });
        }
        if (boot.has(address)) {
          out.push({
            severity: 'error',
            message: `kernel ${quoted(kernel.name)} takes PCI device ${address}, which boot.devices keeps for the boot kernel`,
            fix: `remove ${address} from the devices of ${quoted(kernel.name)} or from boot.devices`,
            path,
            kernels: [BOOT, kernel.name],
          });
        }
      }
    }
    return out;
  },
};
