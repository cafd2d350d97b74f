import { describe, expect, test } from 'vitest';
import { runRule } from '../rule.js';
import { BOOT_NVME, ROOT_PORT, TWO_FUNCTION_0, TWO_FUNCTION_1, kernelSpec, layoutSpec, pciDevice, ruleContext, smallTopology } from '../../../test/fixtures/rule-context.js';
import { iommuGroupRule } from './iommu-group.js';

describe('H14 iommu-group', () => {
  test('fires when part of a group stays with the boot kernel', () => {
    const spec = layoutSpec([kernelSpec('a', { devices: [TWO_FUNCTION_1] })]);
    expect(runRule(iommuGroupRule, ruleContext(spec))).toEqual([
      {
        severity: 'error',
        rule: 'iommu-group',
        hazard: 'H14',
        message: 'IOMMU group 6 is split (0000:42:00.0 to the boot kernel, 0000:42:00.1 to "a"): devices in one group cannot be isolated from each other',
        fix: 'add 0000:42:00.0 to the devices of "a", or leave the whole group to one kernel',
        path: ['kernels', 0, 'devices', 0],
        kernels: ['boot', 'a'],
      },
    ]);
  });

  test('fires once when a group is split between kernels and the boot kernel', () => {
    const third = '0000:42:00.2';
    const topology = smallTopology({ pci: [...smallTopology().pci, pciDevice(third, { node: 1, iommuGroup: 6 })] });
    const spec = layoutSpec([kernelSpec('a', { devices: [TWO_FUNCTION_0] }), kernelSpec('b', { cpus: '2', devices: [TWO_FUNCTION_1] })]);
    expect(runRule(iommuGroupRule, ruleContext(spec, { topology }))).toEqual([
      {
        severity: 'error',
        rule: 'iommu-group',
        hazard: 'H14',
        message: 'IOMMU group 6 is split (0000:42:00.0 to "a", 0000:42:00.1 to "b", 0000:42:00.2 to the boot kernel): devices in one group cannot be isolated from each other',
        fix: 'add 0000:42:00.1 and 0000:42:00.2 to the devices of "a" and remove 0000:42:00.1 from "b", or leave the whole group to one kernel',
        path: ['kernels', 0, 'devices', 0],
        kernels: ['boot', 'a', 'b'],
      },
    ]);
  });

  test('quiet for whole groups; a bridge sharing the group does not count', () => {
    // BOOT_NVME shares group 1 with ROOT_PORT.
    const spec = layoutSpec([kernelSpec('a', { devices: [TWO_FUNCTION_0, TWO_FUNCTION_1, BOOT_NVME] })]);
    expect(runRule(iommuGroupRule, ruleContext(spec))).toEqual([]);
    expect(smallTopology().pci.find((d) => d.address === ROOT_PORT)?.iommuGroup).toBe(1);
  });
});
