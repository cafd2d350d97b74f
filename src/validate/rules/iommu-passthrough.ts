import { iommuTranslationOff } from '../../plan/boot-cmdline.js';
import { normalizeKey, renderCmdline } from '../../plan/cmdline-params.js';
import { BOOT, listWords, quoted } from '../layout-lookup.js';
import type { Finding, Rule } from '../rule.js';
import { bootLine } from '../kernel-lines.js';

/** Parameters that decide whether the boot kernel's IOMMU translates DMA. */
const IOMMU_KEYS = ['iommu', 'intel_iommu', 'amd_iommu', 'iommu.passthrough'];

/**
 * H13: while the boot kernel's IOMMU translates DMA, a device handed to an application kernel
 * has its DMA blocked or sent elsewhere. So the boot kernel needs `iommu=pt` (or its IOMMU off)
 * whenever a kernel gets a device. Missing from its current command line, it is a boot-kernel
 * change that `parker plan` lists: reported once, here, as a warning (the layout is fine, the
 * machine needs a reboot first). boot.cmdline undoing it is an error. And, worth knowing, there
 * is then no DMA isolation between kernels at all (info).
 */
export const iommuPassthroughRule: Rule = {
  id: 'iommu-passthrough',
  hazard: 'H13',
  description: "the boot kernel's IOMMU does not translate DMA of handed-over devices",
  check(ctx) {
    const withDevices = ctx.placement.kernels.filter((k) => k.devices.length > 0);
    if (withDevices.length === 0) return [];
    const names = withDevices.map((k) => k.name);
    const out: Finding[] = [
      {
        severity: 'info',
        message: `devices of ${listWords(names.map(quoted))} can reach all memory by DMA: there is no DMA isolation between kernels, so a faulty driver or device can corrupt any kernel`,
        fix: 'nothing to change in the layout: hand over only devices and drivers you trust with all of memory',
        kernels: [BOOT, ...names],
      },
    ];
    const boot = bootLine(ctx);
    if (iommuTranslationOff(boot.params)) return out;
    const userIommu = boot.params.filter((p) => p.fromSpec && IOMMU_KEYS.includes(normalizeKey(p.key)));
    if (userIommu.length > 0) {
      out.push({
        severity: 'error',
        message: `boot.cmdline sets ${renderCmdline(userIommu)}, which leaves the boot kernel's IOMMU translating DMA: devices handed to ${listWords(names.map(quoted))} would have their DMA blocked or misdirected`,
        fix: `replace ${renderCmdline(userIommu)} in boot.cmdline with iommu=pt`,
        path: ['boot', 'cmdline'],
        kernels: [BOOT, ...names],
      });
      return out;
    }
    out.push({
      severity: 'warning',
      message: `the boot kernel ${ctx.boot.current === null ? 'may translate DMA (its command line is unknown)' : 'has no iommu=pt'}: devices handed to ${listWords(names.map(quoted))} would have their DMA blocked or misdirected; iommu=pt is a boot-kernel change`,
      fix: "add iommu=pt to the boot kernel's command line and reboot it before starting the partitions",
      kernels: [BOOT, ...names],
    });
    return out;
  },
};
