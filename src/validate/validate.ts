import { sortDiagnostics, type Diagnostic } from '../spec/diagnostic.js';
import { runRule, type Rule, type RuleContext } from './rule.js';
import { RULES } from './rules/index.js';

export { RULES };

/**
 * Runs the rules over a resolved layout, stamping each finding with its rule's id and hazard.
 * Pure; the result is sorted (sortDiagnostics). Pass `[...RULES, ...extraRules]` to add rules
 * kept elsewhere.
 */
export function validateLayout(ctx: RuleContext, rules: readonly Rule[] = RULES): Diagnostic[] {
  return sortDiagnostics(rules.flatMap((rule) => runRule(rule, ctx)));
}
