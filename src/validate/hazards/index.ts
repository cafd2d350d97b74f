import type { Rule } from '../rule.js';
import { smtSiblingsRule } from './h01-smt-siblings.js';
import { splitLockDetectRule } from './h02-split-lock-detect.js';
import { wbinvdRule } from './h03-wbinvd.js';
import { resctrlRule } from './h04-resctrl.js';
import { microcodeRule } from './h05-microcode.js';
import { machineChecksRule } from './h06-machine-checks.js';
import { packageThermalRule } from './h07-package-thermal.js';
import { powerManagementRule } from './h08-power-management.js';
import { tscClockRule } from './h09-tsc-clock.js';
import { rebootPanicRule } from './h10-reboot-panic.js';
import { nmiRule } from './h11-nmi.js';
import { iommuPassthroughRule } from './h13-iommu-passthrough.js';
import { firmwarePortsRule } from './h17-firmware-ports.js';
import { mtrrRule } from './h18-mtrr.js';
import { speculationMitigationsRule } from './h19-speculation-mitigations.js';
import { pagingDepthRule } from './h20-paging-depth.js';
import { sharedLlcRule } from './h23-shared-llc.js';
import { memoryNodeRule } from './h24-memory-node.js';

/**
 * The machine-global hazards of docs/hazards.md judged on command lines, .config files and the
 * placement, in hazard order. H12, H14, H15, H16, H21, H22 and H25 are about resources and run
 * with the resource rules (../rules/index.ts).
 */
export const HAZARD_RULES: Rule[] = [
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
