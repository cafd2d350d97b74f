import type { MachineChoice } from '../service/machine-choice.js';

/**
 * How every command chooses its machine (MACHINE_FLAGS in ./command-specs.ts, reused by each
 * command, its help and docs/cli.md). Exactly one may be given; without any, parker drives this
 * computer when it runs a Parker kernel and the built-in simulated server otherwise.
 */
export type MachineFlags = MachineChoice;
