import { BOOT, deviceOrigin, quoted } from '../layout-lookup.js';
import type { Finding, Rule } from '../rule.js';

/**
 * H22: a device that backs the boot kernel's mounted filesystems, swap or default route cuts
 * the boot kernel off when handed over. Refused unless the device entry says `force: true`.
 */
export const bootDeviceRule: Rule = {
  id: 'boot-device',
  hazard: 'H22',
  description: "no device the boot kernel depends on (filesystems, swap, default route) is handed over unless forced",
  check(ctx) {
    const out: Finding[] = [];
    for (const kernel of ctx.placement.kernels) {
      for (const address of kernel.devices) {
        const backs = ctx.bootDependencies.get(address);
        if (backs === undefined) continue;
        const origin = deviceOrigin(ctx.spec.kernels[kernel.index], kernel.index, address);
        const base = { path: origin.path, kernels: [BOOT, kernel.name] };
        if (origin.force) {
          out.push({
            ...base,
            severity: 'warning',
            message: `kernel ${quoted(kernel.name)} takes ${address} (forced), which backs the boot kernel's ${backs}: the boot kernel loses it`,
            fix: `before applying, move the boot kernel off ${address} (unmount, swapoff, another route)`,
          });
        } else {
          out.push({
            ...base,
            severity: 'error',
            message: `kernel ${quoted(kernel.name)} takes ${address}, which backs the boot kernel's ${backs}: handing it over cuts the boot kernel off`,
            fix: origin.byAddress
              ? `remove ${address} from the devices of ${quoted(kernel.name)}, or write { address: "${address}", force: true } if the boot kernel can do without it`
              : `add ${address} to boot.devices so selectors leave it to the boot kernel`,
          });
        }
      }
    }
    return out;
  },
};
