import { assignedDevices, quoted } from '../../../validate/layout-lookup.js';
import type { Finding, Rule } from '../../../validate/rule.js';

/**
 * Parker hands over only a device the boot kernel has bound to its driver and enabled
 * (docs/parker-kernel-interface, measured on the real kernel): `bind` of a device enabled with
 * no driver oopses the kernel (the writer is killed and the partition's mutex stays held), of
 * one with no driver and disabled it is EBUSY. Apply refuses such a bind before the write and
 * rolls back (safety.ts); this says so at validation, before anything changes. Left to that
 * check: a device bound to a driver but not enabled, which is also how a device a partition
 * already holds looks (bind leaves its old driver link and enable reads 0), and a device whose
 * enable could not be read.
 */
export const deviceDriverRule: Rule = {
  id: 'device-driver',
  description: 'every device handed to an application kernel is bound to its driver and enabled in the boot kernel',
  check(ctx) {
    const out: Finding[] = [];
    for (const { kernel, address, device, path } of assignedDevices(ctx)) {
      if (!device || device.enabled === null || device.driver !== null) continue;
      const what = device.enabled ? 'is enabled in the boot kernel but bound to no driver: handing it over would oops the Parker kernel' : 'has no driver in the boot kernel and is not enabled: Parker refuses to hand it over (EBUSY)';
      out.push({
        severity: 'error',
        message: `kernel ${quoted(kernel.name)} takes ${address}, which ${what}`,
        fix: `bind its driver in the boot kernel first (echo ${address} > /sys/bus/pci/drivers_probe) and check that its enable file reads 1`,
        path,
        kernels: [kernel.name],
      });
    }
    return out;
  },
};
