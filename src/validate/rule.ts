import type { Diagnostic } from '../spec/diagnostic.js';
import type { LayoutSpec } from '../spec/spec-schema.js';
import type { Topology } from '../topology/model.js';
import type { Placement, KernelCmdline, BootCmdline } from '../plan/resolved-layout.js';

/** Everything a rule may look at. Pure data: rules never touch a machine or a file. */
export interface RuleContext {
  spec: LayoutSpec;
  topology: Topology;
  placement: Placement;
  cmdlines: KernelCmdline[];
  boot: BootCmdline;
  /** Text of each kernel's .config, by kernel name, when the spec names one and it was read. */
  configs: ReadonlyMap<string, string>;
  /** Mounted filesystems, swap and default-route devices of the boot kernel, by PCI address. */
  bootDependencies: ReadonlyMap<string, string>;
}

/**
 * What a rule finds: a Diagnostic without its `rule` and `hazard`, which the runner stamps
 * from the rule (runRule). A finding sets `hazard` only to override the rule's default.
 */
export type Finding = Omit<Diagnostic, 'rule' | 'hazard'> & {
  /** Overrides the rule's hazard for this finding; leave it out to get the rule's. */
  hazard?: string;
};

/**
 * A validation rule: one concern, one file named after its id (rules/<id>.ts), returns what
 * it found (empty when all is well).
 */
export interface Rule {
  /** Stable kebab-case id; every finding of the rule carries it as `rule`. */
  id: string;
  /** Hazard id when the rule enforces one of docs/hazards.md; every finding carries it unless it overrides it. */
  hazard?: string;
  description: string;
  /**
   * False for rules that judge only command lines and the machine, not where kernels were
   * placed: they still run when placement failed, so all problems show at once.
   */
  needsPlacement?: boolean;
  check(ctx: RuleContext): Finding[];
}

/** A finding as a Diagnostic of its rule: `rule` is the rule's id, `hazard` the finding's or else the rule's. */
export function stampFinding(rule: Pick<Rule, 'id' | 'hazard'>, finding: Finding): Diagnostic {
  const { severity, hazard = rule.hazard, ...rest } = finding;
  // Key order as the rules wrote it by hand: severity, rule, hazard, then the rest.
  return { severity, rule: rule.id, ...(hazard === undefined ? {} : { hazard }), ...rest };
}

/** Runs one rule and stamps its findings, in the order the rule found them (unsorted). */
export function runRule(rule: Rule, ctx: RuleContext): Diagnostic[] {
  return rule.check(ctx).map((finding) => stampFinding(rule, finding));
}
