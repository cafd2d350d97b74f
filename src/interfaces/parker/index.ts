import type { KernelInterface } from '../kernel-interface.js';
import { PARKER_CMDLINE } from './cmdline.js';
import { parkerLifecycle } from './lifecycle.js';
import { sweepParkerOrphans } from './orphans.js';
import { PARKER_ROOT } from './paths.js';
import { performParker } from './perform.js';
import { readPartitions } from './read-partitions.js';
import { parkerTookEffect } from './took-effect.js';
import { partitionLimitsRule } from './rules/partition-limits.js';
import { pciDomainRule } from './rules/pci-domain.js';
import { deviceDriverRule } from './rules/device-driver.js';

/** The Parker RFC's control filesystem, /sys/fs/parker (docs/architecture.md, "The kernel-interface seam"). */
export const parkerInterface: KernelInterface = {
  name: 'parker',
  ...parkerLifecycle,
  present: (fs) => fs.isDirectory(PARKER_ROOT),
  readPartitions,
  cmdline: PARKER_CMDLINE,
  rules: [partitionLimitsRule, pciDomainRule, deviceDriverRule],
  bootParametersRequired: ['parker_cma'],
  // The last kexec image points into memory that went back to the pool: with no partition left,
  // nothing will start from it (seen left loaded on the real kernel).
  afterLastPartition: (machine) => (machine.kexec?.loaded() ? [{ intent: { kind: 'unload-image' }, why: 'no partition is left to start from the loaded kexec image' }] : []),
  perform: performParker,
  tookEffect: parkerTookEffect,
  sweepOrphans: sweepParkerOrphans,
};
