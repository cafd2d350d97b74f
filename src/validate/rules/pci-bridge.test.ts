import { describe, expect, test } from 'vitest';
import { runRule } from '../rule.js';
import { BOOT_NVME, ROOT_PORT, kernelSpec, layoutSpec, ruleContext, smallTopology, pciDevice } from '../../../test/fixtures/rule-context.js';
import { pciBridgeRule } from './pci-bridge.js';

describe('H15 pci-bridge', () => {
  test('fires for a PCIe port, naming the devices behind it', () => {
    const spec = layoutSpec([kernelSpec('a', { devices: [ROOT_PORT] })]);
    expect(runRule(pciBridgeRule, ruleContext(spec))).toEqual([
      {
        severity: 'error',
        rule: 'pci-bridge',
        hazard: 'H15',
        message: 'kernel "a" takes 0000:00:01.0, a PCI bridge or PCIe port (PCI bridge), which Parker cannot hand over',
        fix: 'take the devices behind it instead: 0000:01:00.0',
        path: ['kernels', 0, 'devices', 0],
        kernels: ['a'],
      },
    ]);
  });

  test('fires for a bridge with nothing behind it', () => {
    const topology = smallTopology({ pci: [pciDevice('0000:00:1c.0', { bridge: true, className: null })] });
    const [d] = runRule(pciBridgeRule, ruleContext(layoutSpec([kernelSpec('a', { devices: ['00:1c.0'] })]), { topology }));
    expect(d?.message).toBe('kernel "a" takes 0000:00:1c.0, a PCI bridge or PCIe port (bridge), which Parker cannot hand over');
    expect(d?.fix).toBe('remove 0000:00:1c.0 from its devices');
  });

  test('quiet for endpoints', () => {
    expect(runRule(pciBridgeRule, ruleContext(layoutSpec([kernelSpec('a', { devices: [BOOT_NVME] })])))).toEqual([]);
  });
});
