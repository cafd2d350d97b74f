import type { Intent } from './intent.js';

/** What a plan does to one kernel, in `terraform plan` terms (the step's part of it). */
export type StepAction = 'create' | 'change' | 'delete';

/**
 * One step of a plan: an intent, why, and the intent that undoes it. `summary` is the
 * kernel operation it lowers to, for people ("write sys/fs/parker/db/cpus = 32-47").
 */
export interface Step {
  /** 1-based position in the plan. */
  id: number;
  action: StepAction;
  /** The partition the step belongs to, or "boot". */
  kernel: string;
  intent: Intent;
  why: string;
  /** How to undo it; null when nothing needs undoing (a wait) or when an earlier step's undo covers it. */
  undo: Intent | null;
  summary: string;
}

/** A step before it has a place in a plan. */
export interface StepDraft {
  intent: Intent;
  why: string;
  undo: Intent | null;
}
