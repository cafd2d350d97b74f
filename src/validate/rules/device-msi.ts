import { assignedDevices, quoted } from '../layout-lookup.js';
import type { Finding, Rule } from '../rule.js';

/** H12: application kernels have no IOAPIC or legacy PIC, so every device they get must interrupt by MSI or MSI-X. */
export const deviceMsiRule: Rule = {
  id: 'device-msi',
  hazard: 'H12',
  description: 'every device of an application kernel supports MSI or MSI-X',
  needsPlacement: false,
  check(ctx) {
    const out: Finding[] = [];
    for (const { kernel, address, device, path } of assignedDevices(ctx)) {
      if (device === undefined || device.msi === true || device.msix === true) continue;
      if (device.msi === false && device.msix === false) {
        out.push({
          severity: 'error',
          message: `kernel ${quoted(kernel.name)} takes ${address}, which has neither MSI nor MSI-X: an application kernel has no IOAPIC, so its interrupts would never arrive`,
          fix: `remove ${address} from its devices and choose an MSI-capable device`,
          path,
          kernels: [kernel.name],
        });
      } else {
        out.push({
          severity: 'warning',
          message: `kernel ${quoted(kernel.name)} takes ${address}, whose MSI/MSI-X support is unknown (its config space could not be read); without it the device's interrupts never arrive`,
          fix: `check \`lspci -vv -s ${address}\` for "MSI:" or "MSI-X:"; discover as root to read config space`,
          path,
          kernels: [kernel.name],
        });
      }
    }
    return out;
  },
};
