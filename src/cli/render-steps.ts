import { pc } from './colors.js';
import type { Plan } from '../plan/plan-types.js';

// The steps alone, apart from render-plan.ts: apply, start, stop and destroy print them, and
// need neither the placement tables nor the table library.

const SYMBOL = { create: pc.green('+'), change: pc.yellow('~'), replace: pc.yellow('-/+'), delete: pc.red('-'), start: pc.yellow('>'), unchanged: ' ' } as const;

export function renderSteps(plan: Plan): string {
  const counts = (action: string) => plan.kernels.filter((k) => k.action === action).length;
  if (plan.steps.length === 0) return `${pc.bold('Plan')}: no changes. The machine already matches the layout.`;
  const lines = [
    `${pc.bold('Plan')}: ${counts('create')} to create, ${counts('replace') + counts('start') + counts('change')} to change, ${counts('delete')} to delete, ${counts('unchanged')} unchanged`,
  ];
  for (const k of plan.kernels) {
    lines.push(`  ${SYMBOL[k.action]} ${pc.bold(k.kernel)} ${pc.dim(`${k.action}${k.reasons.length ? `: ${k.reasons.join('; ')}` : ''}`)}`);
    for (const step of plan.steps.filter((s) => s.kernel === k.kernel)) {
      lines.push(`      ${String(step.id).padStart(3)}. ${step.summary}  ${pc.dim(`# ${step.why}`)}`);
    }
  }
  return lines.join('\n');
}
