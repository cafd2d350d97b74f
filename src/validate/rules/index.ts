import { msiCapableRule } from '../hazards/h12-msi.js';
import { iommuGroupsRule } from '../hazards/h14-iommu-groups.js';
import { pciBridgesRule } from '../hazards/h15-pci-bridges.js';
import { pciDomainRule } from '../hazards/h16-pci-domain.js';
import { bootCpuRule } from '../hazards/h21-boot-cpu.js';
import { bootDevicesRule } from '../hazards/h22-boot-devices.js';
import { limitsRule } from '../hazards/h25-limits.js';
import type { Rule } from '../rule.js';
import { bootWholeCoreRule } from './boot-whole-core.js';
import { cpuExistsRule } from './cpu-exists.js';
import { cpuOverlapRule } from './cpu-overlap.js';
import { deviceExistsRule } from './device-exists.js';
import { deviceOverlapRule } from './device-overlap.js';
import { memoryCmaRule } from './memory-cma.js';
import { nodeExistsRule } from './node-exists.js';

/**
 * The resource rules: what exists, who owns what, what fits, and the hazards that are about
 * resources rather than command lines (H12 MSI, H14 IOMMU groups, H15 bridges, H16 PCI domain,
 * H21 CPU 0, H22 boot devices, H25 limits; their files live with the other hazards).
 */
export const RESOURCE_RULES: Rule[] = [
  cpuExistsRule,
  deviceExistsRule,
  nodeExistsRule,
  bootCpuRule,
  bootWholeCoreRule,
  cpuOverlapRule,
  deviceOverlapRule,
  memoryCmaRule,
  limitsRule,
  pciBridgesRule,
  pciDomainRule,
  msiCapableRule,
  iommuGroupsRule,
  bootDevicesRule,
];
