import type { KernelFs, Machine, MachineKind } from './machine.js';

/** A machine that can only be described: a copied tree, an archive, a synthetic description. */
export function readOnlyMachine(fs: KernelFs, kind: MachineKind, description: string, arch?: string): Machine {
  return arch === undefined ? { kind, description, fs } : { kind, description, fs, arch };
}
