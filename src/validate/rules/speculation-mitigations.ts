import { SHARED_WITH_BOOT } from '../../plan/hazard-params.js';
import type { Rule } from '../rule.js';
import { checkAgreement } from '../kernel-lines.js';

/**
 * H19: speculation controls (SPEC_CTRL, TSX_CTRL, SMT state) are per core or per package;
 * kernels that choose differently leave the machine in a state none of them expects.
 */
export const speculationMitigationsRule: Rule = {
  id: 'speculation-mitigations',
  hazard: 'H19',
  description: 'every kernel has the same mitigations=, tsx=, nosmt and related settings',
  needsPlacement: false,
  check(ctx) {
    return checkAgreement(ctx, {
      severity: 'warning',
      keys: SHARED_WITH_BOOT.H19!,
      why: 'speculation controls are per core and per package, so kernels with different settings leave each other less protected than they believe',
    });
  },
};
