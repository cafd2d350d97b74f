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
      for (const name of kernelNames(openMachine(opts), stateDirOf(opts))) ctx.out(name + '\n');
      return;
    }
    if (!shell || !(SHELLS as readonly string[]).includes(shell)) throw new ParkerError('E_USAGE', `name a shell: ${SHELLS.join(', ')}${shell ? ` (not "${shell}")` : ''}`, 'parker completion bash');
    ctx.out(completionScript(shell as Shell));
  });
}
