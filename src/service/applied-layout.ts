import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolvedLayout } from '../plan/resolved-layout.js';

/**
 * The last layout applied to a machine, kept in the state directory: start, stop, console and
 * status need each kernel's image, command line and stop command after apply has exited.
 */
export interface AppliedLayout {
  format: 'parker.applied/v1';
  file: string;
  machine: string;
  appliedAt: string;
  layout: ResolvedLayout;
}

const fileOf = (stateDir: string) => path.join(stateDir, 'applied.json');

export function saveApplied(stateDir: string, applied: AppliedLayout): void {
  fs.mkdirSync(stateDir, { recursive: true });
  const tmp = `${fileOf(stateDir)}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(applied, null, 2) + '\n');
  fs.renameSync(tmp, fileOf(stateDir));
}

export function loadApplied(stateDir: string, machine: string): AppliedLayout | null {
  try {
    const applied = JSON.parse(fs.readFileSync(fileOf(stateDir), 'utf8')) as AppliedLayout;
    return applied.machine === machine ? applied : null;
  } catch {
    return null;
  }
}

export function forgetApplied(stateDir: string): void {
  fs.rmSync(fileOf(stateDir), { force: true });
}
