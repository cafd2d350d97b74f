import { describe, expect, test } from 'vitest';
import { runRule } from '../rule.js';
import { BOOT_NIC, BOOT_NVME, NODE1_NVME, explicitPlacement, kernelSpec, layoutSpec, ruleContext, smallTopology } from '../../../test/fixtures/rule-context.js';
import { bootDeviceRule } from './boot-device.js';

const bootDependencies = { [BOOT_NVME]: 'root filesystem /, swap /dev/nvme0n1p3', [BOOT_NIC]: 'default route via eth0' };

describe('H22 boot-device', () => {
  test('error for a device the boot kernel depends on, warning when forced', () => {
    const spec = layoutSpec([kernelSpec('a', { devices: [BOOT_NVME, { address: BOOT_NIC, force: true }] })]);
    expect(runRule(bootDeviceRule, ruleContext(spec, { bootDependencies }))).toEqual([
      {
        severity: 'error',
        rule: 'boot-device',
        hazard: 'H22',
        message: 'kernel "a" takes 0000:01:00.0, which backs the boot kernel\'s root filesystem /, swap /dev/nvme0n1p3: handing it over cuts the boot kernel off',
        fix: 'remove 0000:01:00.0 from the devices of "a", or write { address: "0000:01:00.0", force: true } if the boot kernel can do without it',
        path: ['kernels', 0, 'devices', 0],
        kernels: ['boot', 'a'],
      },
      {
        severity: 'warning',
        rule: 'boot-device',
        hazard: 'H22',
        message: 'kernel "a" takes 0000:02:00.0 (forced), which backs the boot kernel\'s default route via eth0: the boot kernel loses it',
        fix: 'before applying, move the boot kernel off 0000:02:00.0 (unmount, swapoff, another route)',
        path: ['kernels', 0, 'devices', 1],
        kernels: ['boot', 'a'],
      },
    ]);
  });

  test('a selector that picked a boot device is told to leave it to boot.devices', () => {
    const spec = layoutSpec([kernelSpec('a', { devices: [{ class: 'nvme', count: 1, local: true }] })]);
    const topology = smallTopology();
    const placement = explicitPlacement(spec, topology);
    placement.kernels[0]!.devices = [BOOT_NVME];
    const [d] = runRule(bootDeviceRule, ruleContext(spec, { topology, placement, bootDependencies }));
    expect([d?.severity, d?.fix, d?.path]).toEqual(['error', 'add 0000:01:00.0 to boot.devices so selectors leave it to the boot kernel', ['kernels', 0, 'devices', 0]]);
  });

  test('quiet for devices the boot kernel does not depend on', () => {
    const spec = layoutSpec([kernelSpec('a', { devices: [NODE1_NVME] })]);
    expect(runRule(bootDeviceRule, ruleContext(spec, { bootDependencies }))).toEqual([]);
  });
});
