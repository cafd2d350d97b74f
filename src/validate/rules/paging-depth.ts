import { SHARED_WITH_BOOT } from '../../plan/hazard-params.js';
import type { Rule } from '../rule.js';
import { checkAgreement } from '../kernel-lines.js';

/** H20: Parker's start trampoline assumes the application kernel uses the boot kernel's page-table depth. */
export const pagingDepthRule: Rule = {
  id: 'paging-depth',
  hazard: 'H20',
  description: 'every kernel has the same no5lvl setting',
  needsPlacement: false,
  check(ctx) {
    return checkAgreement(ctx, {
      severity: 'error',
      keys: SHARED_WITH_BOOT.H20!,
      why: "Parker starts an application kernel with the boot kernel's page-table depth (4 or 5 levels), so a kernel expecting the other depth fails to start",
    });
  },
};
