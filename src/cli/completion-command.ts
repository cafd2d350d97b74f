import type { Command } from 'commander';
import { ParkerError } from '../units/parker-error.js';
import type { MachineFlags } from './machine-flags.js';
import { openMachine } from '../service/open-machine.js';
import { stateDirOf } from '../service/state-dir.js';
import { kernelNames } from '../service/status.js';
import { completionScript, SHELLS, type Shell } from './completion.js';
import { commandFromSpec } from './command-from-spec.js';
import { specNamed } from './command-specs.js';
import type { CommandContext } from './command-context.js';

export function completionCommand(ctx: CommandContext): Command {
  return commandFromSpec(specNamed('completion')).action((shell: string | undefined, opts: MachineFlags & { kernels?: boolean }) => {
    if (opts.kernels) {
      // Only names that are plain words: the shells expand what they complete from (bash's
      // compgen -W runs a "$(...)" in it), and a name read from a machine may hold anything.
      for (const name of kernelNames(openMachine(opts), stateDirOf(opts))) if (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) ctx.out(name + '\n');
      return;
    }
    if (!shell || !(SHELLS as readonly string[]).includes(shell)) throw new ParkerError('E_USAGE', `name a shell: ${SHELLS.join(', ')}${shell ? ` (not "${shell}")` : ''}`, 'parker completion bash');
    ctx.out(completionScript(shell as Shell));
  });
}
