import { describe, expect, it } from 'vitest';
import { runRule } from '../rule.js';
import { hazardContext } from '../../../test/fixtures/hazard-context.js';
import { kernelSpec, layoutSpec, NODE1_NVME } from '../../../test/fixtures/rule-context.js';
import { iommuPassthroughRule } from './iommu-passthrough.js';

const INFO = {
  severity: 'info',
  rule: 'iommu-passthrough',
  hazard: 'H13',
  message: 'devices of "a" can reach all memory by DMA: there is no DMA isolation between kernels, so a faulty driver or device can corrupt any kernel',
  fix: 'nothing to change in the layout: hand over only devices and drivers you trust with all of memory',
  kernels: ['boot', 'a'],
};
const withDevice = (boot: { cmdline?: string } = {}) => layoutSpec([kernelSpec('a', { cpus: '2,6', devices: [NODE1_NVME] }), kernelSpec('b', { cpus: '3,7' })], boot);

describe('H13 iommu-passthrough', () => {
  it('warns, once, that iommu=pt is a boot-kernel change when the boot kernel lacks it', () => {
    const ctx = hazardContext(withDevice(), { bootCmdline: 'parker_cma=0:8G,1:8G intel_iommu=on' });
    expect(ctx.boot.changes.map((p) => `${p.key}=${p.value}`)).toContain('iommu=pt');
    expect(runRule(iommuPassthroughRule, ctx)).toEqual([
      INFO,
      {
        severity: 'warning',
        rule: 'iommu-passthrough',
        hazard: 'H13',
        message: 'the boot kernel has no iommu=pt: devices handed to "a" would have their DMA blocked or misdirected; iommu=pt is a boot-kernel change',
        fix: "add iommu=pt to the boot kernel's command line and reboot it before starting the partitions",
        kernels: ['boot', 'a'],
      },
    ]);
  });

  it('fires as an error when boot.cmdline undoes passthrough', () => {
    const ctx = hazardContext(withDevice({ cmdline: 'iommu=nopt' }), { bootCmdline: 'parker_cma=0:8G,1:8G iommu=pt' });
    expect(runRule(iommuPassthroughRule, ctx)).toEqual([
      INFO,
      {
        severity: 'error',
        rule: 'iommu-passthrough',
        hazard: 'H13',
        message: 'boot.cmdline sets iommu=nopt, which leaves the boot kernel\'s IOMMU translating DMA: devices handed to "a" would have their DMA blocked or misdirected',
        fix: 'replace iommu=nopt in boot.cmdline with iommu=pt',
        path: ['boot', 'cmdline'],
        kernels: ['boot', 'a'],
      },
    ]);
  });

  it('only informs when passthrough is on or the IOMMU is off', () => {
    expect(runRule(iommuPassthroughRule, hazardContext(withDevice(), { bootCmdline: 'iommu=pt' }))).toEqual([INFO]);
    expect(runRule(iommuPassthroughRule, hazardContext(withDevice({ cmdline: 'intel_iommu=off' }), { bootCmdline: 'intel_iommu=on' }))).toEqual([INFO]);
  });

  it('stays quiet when no kernel gets a device', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '2,6' })]), { bootCmdline: 'intel_iommu=on' });
    expect(runRule(iommuPassthroughRule, ctx)).toEqual([]);
  });
});
