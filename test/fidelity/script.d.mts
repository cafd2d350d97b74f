import type { KernelFs } from '../../src/machines/machine.js';

export interface FidelityTarget {
  fs: KernelFs;
  mount(): void;
  umount(): void;
  bootLog(): string[];
}

export interface FidelityOp {
  section: string;
  op: string;
  ok?: true;
  value?: unknown;
  errno?: string;
  fault?: string;
  moved?: Record<string, [string | null, string | null]>;
}

export interface FidelityFacts {
  cpus: string;
  cmaDirs: string[];
  cmaFiles: Record<string, string[]>;
  zoneinfoCma: Record<string, number> | null;
  meminfoCma: Record<string, number> | null;
  reservations: string[];
  devices: { nvme: string | null; driverless: string | null };
}

export const FIDELITY_SCRIPT_VERSION: number;
export function zoneinfoCma(text: string): Record<string, number>;
export function reservationLines(lines: string[]): string[];
export function runFidelityScript(target: FidelityTarget): { facts: FidelityFacts; ops: FidelityOp[] };
