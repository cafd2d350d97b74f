import { describe, expect, test } from 'vitest';
import { runRule } from '../rule.js';
import { BOOT_NIC, BOOT_NVME, NODE1_NVME, explicitPlacement, kernelSpec, layoutSpec, ruleContext, smallTopology } from '../../../test/fixtures/rule-context.js';
import { deviceOverlapRule } from './device-overlap.js';

describe('device-overlap', () => {
  test('fires for a device in two kernels and for one boot.devices keeps', () => {
    const spec = layoutSpec(
      [kernelSpec('a', { cpus: '1', devices: [NODE1_NVME] }), kernelSpec('b', { cpus: '2', devices: [BOOT_NIC, { address: '41:00.0', force: false }] })],
      { devices: ['02:00.0'] },
    );
    expect(runRule(deviceOverlapRule, ruleContext(spec))).toEqual([
      {
        severity: 'error',
        rule: 'device-overlap',
        message: 'kernel "b" takes PCI device 0000:02:00.0, which boot.devices keeps for the boot kernel',
        fix: 'remove 0000:02:00.0 from the devices of "b" or from boot.devices',
        path: ['kernels', 1, 'devices', 0],
        kernels: ['boot', 'b'],
      },
      {
        severity: 'error',
        rule: 'device-overlap',
        message: 'kernels "a" and "b" both take PCI device 0000:41:00.0',
        fix: 'give 0000:41:00.0 to one of them: remove it from the devices of "b" or of "a"',
        path: ['kernels', 1, 'devices', 1],
        kernels: ['a', 'b'],
      },
    ]);
  });

  test('points at the selector when a selector chose the shared device', () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: '1', devices: [NODE1_NVME] }), kernelSpec('b', { cpus: '2', devices: [{ class: 'nvme', count: 1, local: true }] })]);
    const topology = smallTopology();
    const placement = explicitPlacement(spec, topology);
    placement.kernels[1]!.devices = [NODE1_NVME];
    const [d] = runRule(deviceOverlapRule, ruleContext(spec, { topology, placement }));
    expect(d?.path).toEqual(['kernels', 1, 'devices', 0]);
    expect(d?.kernels).toEqual(['a', 'b']);
  });

  test('quiet when every device has one owner', () => {
    const spec = layoutSpec([kernelSpec('a', { cpus: '1', devices: [NODE1_NVME] }), kernelSpec('b', { cpus: '2', devices: [BOOT_NIC] })], { devices: [BOOT_NVME] });
    expect(runRule(deviceOverlapRule, ruleContext(spec))).toEqual([]);
  });
});
