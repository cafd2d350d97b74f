import type { Rule } from '../rule.js';
import { bootWholeCoreRule } from './boot-whole-core.js';
import { cpuExistsRule } from './cpu-exists.js';
import { cpuOverlapRule } from './cpu-overlap.js';
import { deviceExistsRule } from './device-exists.js';
import { deviceOverlapRule } from './device-overlap.js';
import { memoryCmaRule } from './memory-cma.js';
import { memoryWholeGibRule } from './memory-whole-gib.js';
import { nodeExistsRule } from './node-exists.js';

/** The resource rules: what exists, who owns what, what fits. Hazard rules live in ../hazards/. */
export const RESOURCE_RULES: Rule[] = [
  cpuExistsRule,
  deviceExistsRule,
  nodeExistsRule,
  bootWholeCoreRule,
  cpuOverlapRule,
  deviceOverlapRule,
  memoryCmaRule,
  memoryWholeGibRule,
];
