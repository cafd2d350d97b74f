import { describe, expect, it } from 'vitest';
import { runRule } from '../rule.js';
import { hazardContext } from '../../../test/fixtures/hazard-context.js';
import { kernelSpec, layoutSpec, NODE1_NVME, smallTopology } from '../../../test/fixtures/rule-context.js';
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

const ERROR = (planned = '') => ({
  severity: 'error',
  rule: 'iommu-passthrough',
  hazard: 'H13',
  message: `the boot kernel's IOMMU translates DMA (its command line has no iommu=pt${planned}): devices handed to "a" would have their DMA faulted, so parker does not hand them over`,
  fix: "add iommu=pt to the boot kernel's command line and reboot it before applying",
  kernels: ['boot', 'a'],
});

/** The small machine with no IOMMU at all: no PCI device in an IOMMU group (a QEMU q35 without intel-iommu). */
function noIommu() {
  const topology = smallTopology();
  return { ...topology, pci: topology.pci.map((d) => ({ ...d, iommuGroup: null })) };
}

describe('H13 iommu-passthrough', () => {
  it('is an error while the running boot kernel translates: devices are not handed over', () => {
    const ctx = hazardContext(withDevice(), { bootCmdline: 'parker_cma=0:8G,1:8G intel_iommu=on' });
    expect(ctx.boot.changes.map((p) => `${p.key}=${p.value}`)).toContain('iommu=pt');
    expect(runRule(iommuPassthroughRule, ctx)).toEqual([INFO, ERROR()]);
    // The IOMMU's default (no parameter at all) with IOMMU groups present translates too.
    expect(runRule(iommuPassthroughRule, hazardContext(withDevice(), { bootCmdline: 'parker_cma=0:8G,1:8G' }))).toEqual([INFO, ERROR()]);
  });

  it('stays an error when only boot.cmdline has iommu=pt: the boot kernel runs without it until rebooted', () => {
    const ctx = hazardContext(withDevice({ cmdline: 'iommu=pt' }), { bootCmdline: 'parker_cma=0:8G,1:8G' });
    expect(runRule(iommuPassthroughRule, ctx)).toEqual([INFO, ERROR(' (boot.cmdline has it, but only a reboot with it counts)')]);
  });

  it('fires as an error when boot.cmdline undoes passthrough', () => {
    const ctx = hazardContext(withDevice({ cmdline: 'iommu=nopt' }), { bootCmdline: 'parker_cma=0:8G,1:8G iommu=pt' });
    expect(runRule(iommuPassthroughRule, ctx)).toEqual([
      INFO,
      {
        severity: 'error',
        rule: 'iommu-passthrough',
        hazard: 'H13',
        message: 'boot.cmdline sets iommu=nopt, which leaves the boot kernel\'s IOMMU translating DMA: devices handed to "a" would have their DMA faulted',
        fix: 'replace iommu=nopt in boot.cmdline with iommu=pt',
        path: ['boot', 'cmdline'],
        kernels: ['boot', 'a'],
      },
    ]);
  });

  it('only informs when passthrough is on or the IOMMU is off', () => {
    expect(runRule(iommuPassthroughRule, hazardContext(withDevice(), { bootCmdline: 'iommu=pt' }))).toEqual([INFO]);
    expect(runRule(iommuPassthroughRule, hazardContext(withDevice(), { bootCmdline: 'intel_iommu=off' }))).toEqual([INFO]);
  });

  it('on a machine with no IOMMU says there is no DMA protection, never that DMA would be blocked or misdirected', () => {
    const findings = runRule(iommuPassthroughRule, hazardContext(withDevice(), { bootCmdline: 'parker_cma=0:8G,1:8G', topology: noIommu() }));
    expect(findings).toEqual([
      {
        ...INFO,
        message:
          'this machine shows no IOMMU (no PCI device is in an IOMMU group): nothing checks DMA, so devices of "a" can reach all memory and there is no DMA protection between kernels; a faulty driver or device can corrupt any kernel',
      },
    ]);
    expect(JSON.stringify(findings)).not.toMatch(/blocked|misdirected|faulted/);
  });

  it('warns when the boot kernel\'s command line is unknown', () => {
    const findings = runRule(iommuPassthroughRule, hazardContext(withDevice(), { bootCmdline: null }));
    expect(findings.map((f) => f.severity)).toEqual(['info', 'warning']);
  });

  it('stays quiet when no kernel gets a device', () => {
    const ctx = hazardContext(layoutSpec([kernelSpec('a', { cpus: '2,6' })]), { bootCmdline: 'intel_iommu=on' });
    expect(runRule(iommuPassthroughRule, ctx)).toEqual([]);
  });
});
