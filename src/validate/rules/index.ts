import type { Rule } from '../rule.js';
import { bootDeviceRule } from './boot-device.js';
import { bootWholeCoreRule } from './boot-whole-core.js';
import { cpuExistsRule } from './cpu-exists.js';
import { cpuOverlapRule } from './cpu-overlap.js';
import { cpuZeroRule } from './cpu-zero.js';
import { deviceExistsRule } from './device-exists.js';
import { deviceMsiRule } from './device-msi.js';
import { deviceOverlapRule } from './device-overlap.js';
import { firmwarePortsRule } from './firmware-ports.js';
import { iommuGroupRule } from './iommu-group.js';
import { iommuPassthroughRule } from './iommu-passthrough.js';
import { machineChecksRule } from './machine-checks.js';
import { memoryCmaRule } from './memory-cma.js';
import { memoryNodeRule } from './memory-node.js';
import { microcodeRule } from './microcode.js';
import { mtrrRule } from './mtrr.js';
import { nmiRule } from './nmi.js';
import { nodeExistsRule } from './node-exists.js';
import { packageThermalRule } from './package-thermal.js';
import { pagingDepthRule } from './paging-depth.js';
import { pciBridgeRule } from './pci-bridge.js';
import { powerManagementRule } from './power-management.js';
import { readyConsoleRule } from './ready-console.js';
import { rebootPanicRule } from './reboot-panic.js';
import { resctrlRule } from './resctrl.js';
import { sharedLlcRule } from './shared-llc.js';
import { smtSiblingsRule } from './smt-siblings.js';
import { speculationMitigationsRule } from './speculation-mitigations.js';
import { splitLockDetectRule } from './split-lock-detect.js';
import { stopCommandRule } from './stop-command.js';
import { tscClockRule } from './tsc-clock.js';
import { wbinvdRule } from './wbinvd.js';

/**
 * Every rule validation runs, in order; each lives in rules/<id>.ts. The runner
 * (validateLayout) stamps each finding with its rule's id and hazard.
 *
 * First the resource rules: what exists, who owns what, what fits, and the hazards that are
 * about resources rather than command lines (H21 CPU 0, H25 limits, H15 bridges, H16 PCI
 * domain, H12 MSI, H14 IOMMU groups, H22 boot devices). Then the machine-global hazards of
 * docs/hazards.md judged on command lines, .config files and the placement, in hazard order.
 *
 * Nothing depends on a particular rule being here: a caller may run `[...RULES, ...extra]`.
 */
export const RULES: readonly Rule[] = [
  // Resources.
  cpuExistsRule,
  deviceExistsRule,
  nodeExistsRule,
  cpuZeroRule,
  bootWholeCoreRule,
  cpuOverlapRule,
  deviceOverlapRule,
  memoryCmaRule,
  pciBridgeRule,
  deviceMsiRule,
  iommuGroupRule,
  bootDeviceRule,
  readyConsoleRule,
  stopCommandRule,
  // Command lines, .config files and placement, in hazard order.
  smtSiblingsRule,
  splitLockDetectRule,
  wbinvdRule,
  resctrlRule,
  microcodeRule,
  machineChecksRule,
  packageThermalRule,
  powerManagementRule,
  tscClockRule,
  rebootPanicRule,
  nmiRule,
  iommuPassthroughRule,
  firmwarePortsRule,
  mtrrRule,
  speculationMitigationsRule,
  pagingDepthRule,
  sharedLlcRule,
  memoryNodeRule,
];
