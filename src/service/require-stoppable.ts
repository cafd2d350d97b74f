import { ParkerError } from '../units/parker-error.js';
import type { Plan } from '../plan/plan-types.js';

/**
 * A plan that must stop a running kernel its layout gives no stop command is refused before
 * anything changes. Parker has no stop file: such a kernel stops only by powering itself off,
 * so the plan could only wait (minutes) and then fail. The user can power it off from inside,
 * after which the same command finds it stopped and goes on.
 */
export function requireStoppable(plan: Plan): void {
  const names = [...new Set(plan.steps.flatMap((s) => (s.intent.kind === 'stop' && s.intent.command === null ? [s.intent.partition] : [])))];
  if (names.length === 0) return;
  const list = names.join(', ');
  const them = names.length === 1 ? 'it' : 'them';
  throw new ParkerError(
    'E_CANNOT_STOP',
    `${list} ${names.length === 1 ? 'runs' : 'run'}, and no stop command is known for ${them} (neither the applied layout nor this one gives one): parker cannot ask ${them} to power off`,
    `power ${list} off from inside (poweroff on ${names.length === 1 ? 'its' : 'their'} console or over ssh) and run this again, or give ${them} stop: { command: [...] } in the layout and apply it; a kernel that panicked and halted ends only with a reset of the machine`,
  );
}
