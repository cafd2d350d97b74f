import { sortDiagnostics, type Diagnostic } from '../spec/diagnostic.js';
import { HAZARD_RULES } from './hazards/index.js';
import type { Rule, RuleContext } from './rule.js';
import { RESOURCE_RULES } from './rules/index.js';

/** Every rule validation runs: resources first, then the hazards of docs/hazards.md. */
export const ALL_RULES: readonly Rule[] = [...RESOURCE_RULES, ...HAZARD_RULES];

/** Runs every rule over a resolved layout. Pure; the result is sorted (sortDiagnostics). */
export function validateLayout(ctx: RuleContext, rules: readonly Rule[] = ALL_RULES): Diagnostic[] {
  return sortDiagnostics(rules.flatMap((rule) => rule.check(ctx)));
}
