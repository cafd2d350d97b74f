import { describe, expect, test } from 'vitest';
import { runRule } from '../rule.js';
import { BOOT_NVME, kernelSpec, layoutSpec, pciDevice, ruleContext, smallTopology } from '../../../test/fixtures/rule-context.js';
import { deviceExistsRule } from './device-exists.js';

describe('device-exists', () => {
  const twoDevices = smallTopology({ pci: [pciDevice('0000:01:00.0'), pciDevice('0000:02:00.0', { className: null })] });

  test('fires for addresses the machine lacks, in a kernel (plain and forced) and in boot.devices', () => {
    const spec = layoutSpec([kernelSpec('a', { devices: ['0000:01:00.0', '77:00.0', { address: '0000:78:00.0', force: true }] })], { devices: ['0000:79:00.1'] });
    const fix = 'use an address the machine has: 0000:01:00.0 (Non-Volatile memory controller), 0000:02:00.0';
    expect(runRule(deviceExistsRule, ruleContext(spec, { topology: twoDevices }))).toEqual([
      { severity: 'error', rule: 'device-exists', message: 'kernel "a" names PCI device 0000:77:00.0, which the machine does not have', fix, path: ['kernels', 0, 'devices', 1], kernels: ['a'] },
      { severity: 'error', rule: 'device-exists', message: 'kernel "a" names PCI device 0000:78:00.0, which the machine does not have', fix, path: ['kernels', 0, 'devices', 2], kernels: ['a'] },
      { severity: 'error', rule: 'device-exists', message: 'boot.devices names PCI device 0000:79:00.1, which the machine does not have', fix, path: ['boot', 'devices', 0], kernels: ['boot'] },
    ]);
  });

  test('lists at most eight addresses in the fix', () => {
    const many = smallTopology({ pci: Array.from({ length: 10 }, (_, i) => pciDevice(`0000:0${i}:00.0`, { className: null })) });
    const [d] = runRule(deviceExistsRule, ruleContext(layoutSpec([kernelSpec('a', { devices: ['0000:99:00.0'] })]), { topology: many }));
    expect(d?.fix).toBe(
      'use an address the machine has: 0000:00:00.0, 0000:01:00.0, 0000:02:00.0, 0000:03:00.0, 0000:04:00.0, 0000:05:00.0, 0000:06:00.0, 0000:07:00.0, ... (10 in all; see `parker discover`)',
    );
  });

  test('quiet for existing addresses in any spelling, for selectors, and for unreadable addresses (placement reports those)', () => {
    const spec = layoutSpec([kernelSpec('a', { devices: ['01:00.0', { address: '0000:01:00.0', force: false }, { class: 'nvme', count: 2, local: true }, '0000:01:20.0'] })], { devices: [BOOT_NVME] });
    expect(runRule(deviceExistsRule, ruleContext(spec))).toEqual([]);
  });
});
