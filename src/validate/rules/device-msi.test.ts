import { describe, expect, test } from 'vitest';
import { runRule } from '../rule.js';
import { NODE1_NVME, NO_MSI, UNKNOWN_MSI, kernelSpec, layoutSpec, pciDevice, ruleContext, smallTopology } from '../../../test/fixtures/rule-context.js';
import { deviceMsiRule } from './device-msi.js';

describe('H12 device-msi', () => {
  test('error without MSI and MSI-X, warning when unknown', () => {
    const spec = layoutSpec([kernelSpec('a', { devices: [NO_MSI, UNKNOWN_MSI] })]);
    expect(runRule(deviceMsiRule, ruleContext(spec))).toEqual([
      {
        severity: 'error',
        rule: 'device-msi',
        hazard: 'H12',
        message: 'kernel "a" takes 0000:03:00.0, which has neither MSI nor MSI-X: an application kernel has no IOAPIC, so its interrupts would never arrive',
        fix: 'remove 0000:03:00.0 from its devices and choose an MSI-capable device',
        path: ['kernels', 0, 'devices', 0],
        kernels: ['a'],
      },
      {
        severity: 'warning',
        rule: 'device-msi',
        hazard: 'H12',
        message: "kernel \"a\" takes 0000:04:00.0, whose MSI/MSI-X support is unknown (its config space could not be read); without it the device's interrupts never arrive",
        fix: 'check `lspci -vv -s 0000:04:00.0` for "MSI:" or "MSI-X:"; discover as root to read config space',
        path: ['kernels', 0, 'devices', 1],
        kernels: ['a'],
      },
    ]);
  });

  test('quiet with MSI only, MSI-X only, or both', () => {
    const topology = smallTopology({ pci: [pciDevice('0000:05:00.0', { msi: true, msix: false }), pciDevice('0000:06:00.0', { msi: null, msix: true }), pciDevice(NODE1_NVME)] });
    const spec = layoutSpec([kernelSpec('a', { devices: ['05:00.0', '06:00.0', NODE1_NVME] })]);
    expect(runRule(deviceMsiRule, ruleContext(spec, { topology }))).toEqual([]);
  });
});
