import type { CmdlineParam } from './resolved-layout.js';
import type { Step } from './step.js';

/** What a plan does to one kernel, in `terraform plan` terms. */
export interface KernelChange {
  kernel: string;
  action: 'create' | 'change' | 'replace' | 'delete' | 'start' | 'unchanged';
  /** Why, one line each ("cpus 32-47 -> 32-63", "not online"). */
  reasons: string[];
}

export interface Plan {
  schema: 'parker.plan/v1';
  kernels: KernelChange[];
  /** Parameters the boot kernel needs on its command line: applied by rebooting it, never by parker. */
  bootChanges: CmdlineParam[];
  steps: Step[];
}

export function isEmptyPlan(plan: Plan): boolean {
  return plan.steps.length === 0 && plan.bootChanges.length === 0;
}
