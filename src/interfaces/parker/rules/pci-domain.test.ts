import { describe, expect, test } from 'vitest';
import { runRule } from '../../../validate/rule.js';
import { DOMAIN1_NVME, NODE1_NVME, kernelSpec, layoutSpec, ruleContext } from '../../../../test/fixtures/rule-context.js';
import { pciDomainRule } from './pci-domain.js';

describe('H16 pci-domain', () => {
  test('fires for a device outside domain 0000', () => {
    const spec = layoutSpec([kernelSpec('a', { devices: [NODE1_NVME, { address: DOMAIN1_NVME, force: true }] })]);
    expect(runRule(pciDomainRule, ruleContext(spec))).toEqual([
      {
        severity: 'error',
        rule: 'pci-domain',
        hazard: 'H16',
        message: 'kernel "a" takes 0001:00:00.0 on PCI domain 0001; Parker names devices by bus and function only, on domain 0000',
        fix: 'choose a device on domain 0000 (for a device behind Intel VMD, turn VMD off in the firmware so it appears on domain 0000)',
        path: ['kernels', 0, 'devices', 1],
        kernels: ['a'],
      },
    ]);
  });

  test('quiet on domain 0000, also in the short spelling', () => {
    expect(runRule(pciDomainRule, ruleContext(layoutSpec([kernelSpec('a', { devices: ['41:00.0'] })])))).toEqual([]);
  });
});
