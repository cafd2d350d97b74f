import { SHARED_WITH_BOOT } from '../../plan/hazard-params.js';
import type { Rule } from '../rule.js';
import { checkAgreement } from '../kernel-lines.js';

/**
 * H02: a split lock becomes a bus lock that stalls every CPU of the machine. Kernels with
 * different `split_lock_detect=` disagree about it: one lets its programs stall everybody,
 * and the per-core enable bit each one sets differs. Every kernel must have the boot kernel's.
 */
export const splitLockDetectRule: Rule = {
  id: 'split-lock-detect',
  hazard: 'H02',
  description: 'every kernel has the same split_lock_detect= setting',
  needsPlacement: false,
  check(ctx) {
    return checkAgreement(ctx, {
      severity: 'error',
      keys: SHARED_WITH_BOOT.H02!,
      why: 'a split lock stalls every CPU of the machine, so a kernel that lets them through hurts the others, and the per-core detection setting would differ between kernels',
    });
  },
};
