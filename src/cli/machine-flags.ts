import { Option } from 'commander';
import type { MachineChoice } from '../service/machine-choice.js';

/**
 * How every command chooses its machine: declared once here and reused by each command, its
 * help and docs/cli.md. Exactly one may be given; without any, parker drives this computer
 * when it runs a Parker kernel and the built-in simulated server otherwise.
 */
export type MachineFlags = MachineChoice;

export const MACHINE_FLAGS = [
  {
    flags: '--machine <name>',
    description: 'sim (the built-in simulated server) or host (this computer, read from /sys and /proc)',
  },
  { flags: '--root <dir>', description: 'a copied sysfs/procfs tree (holding sys/ and proc/), read-only' },
  {
    flags: '--synthetic <description>',
    description: 'a made-up machine, e.g. "pack:2 numa:2 l3:4 core:8 pu:2 mem:64G" (docs/synthetic.md)',
  },
  { flags: '--from <archive>', description: 'a snapshot written by `parker gather -o FILE`' },
  {
    flags: '--state-dir <dir>',
    description: 'where the simulated machine, the journal and the lock live (default: $PARKER_STATE_DIR, else /var/lib/parker on a host, else $XDG_STATE_HOME/parker)',
  },
] as const;

export function machineOptions(): Option[] {
  return MACHINE_FLAGS.map((flag) => new Option(flag.flags, flag.description));
}
