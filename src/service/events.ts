import type { ApplyEvent } from '../apply/execute.js';
import type { RecoveryResult } from '../apply/recover.js';
import type { Machine } from '../machines/machine.js';
import type { Plan } from '../plan/plan-types.js';
import type { PlannedLayout } from './plan.js';

/**
 * What the service layer tells whoever shows progress (a terminal, an event stream): step
 * progress, a recovery that ran first, and a plan once it is made (before it is confirmed).
 */
export type ServiceEvent =
  | ApplyEvent
  | { type: 'recovered'; result: RecoveryResult }
  | { type: 'layout-planned'; machine: Machine; planned: PlannedLayout }
  | { type: 'steps-planned'; machine: Machine; action: string; plan: Plan };
