import { iommuPresent, iommuTranslationOff } from '../../plan/boot-cmdline.js';
import { kernelItems, normalizeKey, parseCmdline, renderCmdline } from '../../plan/cmdline-params.js';
import { BOOT, listWords, quoted } from '../layout-lookup.js';
import type { Finding, Rule } from '../rule.js';
import { bootLine } from '../kernel-lines.js';

/** Parameters that decide whether the boot kernel's IOMMU translates DMA. */
const IOMMU_KEYS = ['iommu', 'intel_iommu', 'amd_iommu', 'iommu.passthrough'];

/**
 * H13: while the boot kernel's IOMMU translates DMA, a device handed to an application kernel
 * has its DMA faulted (measured on the Parker kernel: the NVMe timed out after 60 s; with
 * `iommu=pt` it worked). So no device is handed over while the running boot kernel translates:
 * an error unless its command line has `iommu=pt` (or its IOMMU off) or the machine has no
 * IOMMU. `boot.cmdline` undoing passthrough is an error too. And, worth knowing, there is then
 * no DMA protection between kernels at all (info).
 */
export const iommuPassthroughRule: Rule = {
  id: 'iommu-passthrough',
  hazard: 'H13',
  description: "the boot kernel's IOMMU does not translate DMA of handed-over devices",
  check(ctx) {
    const withDevices = ctx.placement.kernels.filter((k) => k.devices.length > 0);
    if (withDevices.length === 0) return [];
    const names = withDevices.map((k) => k.name);
    const who = listWords(names.map(quoted));
    const current = ctx.boot.current === null ? null : kernelItems(parseCmdline(ctx.boot.current));
    const present = iommuPresent(ctx.topology, current ?? []);
    const out: Finding[] = [
      {
        severity: 'info',
        message: present
          ? `devices of ${who} can reach all memory by DMA: there is no DMA isolation between kernels, so a faulty driver or device can corrupt any kernel`
          : `this machine shows no IOMMU (no PCI device is in an IOMMU group): nothing checks DMA, so devices of ${who} can reach all memory and there is no DMA protection between kernels; a faulty driver or device can corrupt any kernel`,
        fix: 'nothing to change in the layout: hand over only devices and drivers you trust with all of memory',
        kernels: [BOOT, ...names],
      },
    ];
    const boot = bootLine(ctx);
    const userIommu = boot.params.filter((p) => p.fromSpec && IOMMU_KEYS.includes(normalizeKey(p.key)));
    if (!iommuTranslationOff(boot.params) && userIommu.length > 0) {
      out.push({
        severity: 'error',
        message: `boot.cmdline sets ${renderCmdline(userIommu)}, which leaves the boot kernel's IOMMU translating DMA: devices handed to ${who} would have their DMA faulted`,
        fix: `replace ${renderCmdline(userIommu)} in boot.cmdline with iommu=pt`,
        path: ['boot', 'cmdline'],
        kernels: [BOOT, ...names],
      });
      return out;
    }
    if (!present) return out;
    if (current === null) {
      out.push({
        severity: 'warning',
        message: `the boot kernel's command line is unknown, so its IOMMU may translate DMA: devices handed to ${who} would then have their DMA faulted`,
        fix: "make sure the boot kernel runs with iommu=pt before applying",
        kernels: [BOOT, ...names],
      });
      return out;
    }
    if (iommuTranslationOff(current)) return out;
    const planned = iommuTranslationOff(boot.params) ? ' (boot.cmdline has it, but only a reboot with it counts)' : '';
    out.push({
      severity: 'error',
      message: `the boot kernel's IOMMU translates DMA (its command line has no iommu=pt${planned}): devices handed to ${who} would have their DMA faulted, so parker does not hand them over`,
      fix: "add iommu=pt to the boot kernel's command line and reboot it before applying",
      kernels: [BOOT, ...names],
    });
    return out;
  },
};
