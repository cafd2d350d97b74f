import { describe, expect, test } from 'vitest';
import { runRule } from '../../../validate/rule.js';
import { NODE1_NVME, SMALL_PCI, kernelSpec, layoutSpec, ruleContext, smallTopology } from '../../../../test/fixtures/rule-context.js';
import { deviceDriverRule } from './device-driver.js';

/** The small machine with node 1's NVMe's driver and enable as given. */
function withNvme(driver: string | null, enabled: boolean | null) {
  return smallTopology({ pci: SMALL_PCI.map((d) => (d.address === NODE1_NVME ? { ...d, driver, enabled } : d)) });
}
const spec = layoutSpec([kernelSpec('a', { devices: [NODE1_NVME] })]);
const messages = (driver: string | null, enabled: boolean | null) => runRule(deviceDriverRule, ruleContext(spec, { topology: withNvme(driver, enabled) })).map((d) => `${d.severity} ${d.message} | ${d.fix}`);

describe('device-driver', () => {
  test('quiet for a device bound to its driver and enabled', () => {
    expect(messages('nvme', true)).toEqual([]);
  });

  test('an enabled device with no driver: the bind that oopses the Parker kernel', () => {
    const [diagnostic] = runRule(deviceDriverRule, ruleContext(spec, { topology: withNvme(null, true) }));
    expect(diagnostic).toEqual({
      severity: 'error',
      rule: 'device-driver',
      message: 'kernel "a" takes 0000:41:00.0, which is enabled in the boot kernel but bound to no driver: handing it over would oops the Parker kernel',
      fix: 'bind its driver in the boot kernel first (echo 0000:41:00.0 > /sys/bus/pci/drivers_probe) and check that its enable file reads 1',
      path: ['kernels', 0, 'devices', 0],
      kernels: ['a'],
    });
  });

  test('no driver and disabled: EBUSY on the real kernel', () => {
    expect(messages(null, false)).toEqual([expect.stringMatching(/^error .*no driver in the boot kernel and is not enabled: Parker refuses to hand it over \(EBUSY\)/)]);
  });

  test('quiet for a device a partition holds (its old driver link, enable 0), and one whose enable could not be read', () => {
    expect(messages('nvme', false)).toEqual([]);
    expect(messages(null, null)).toEqual([]);
  });
});
