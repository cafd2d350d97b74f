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

/** A validation rule: one concern, one file, returns what it found (empty when all is well). */
export interface Rule {
  id: string;
  /** Hazard id when the rule enforces one of docs/hazards.md. */
  hazard?: string;
  description: string;
  check(ctx: RuleContext): Diagnostic[];
}
