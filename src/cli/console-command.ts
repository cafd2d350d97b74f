import type { Command } from 'commander';
import type { MachineFlags } from './machine-flags.js';
import { openMachine } from '../service/open-machine.js';
import { consoleLines } from '../service/console.js';
import { stateDirOf } from '../service/state-dir.js';
import { commandFromSpec } from './command-from-spec.js';
import { specNamed } from './command-specs.js';
import type { CommandContext } from './command-context.js';
import { positiveInteger } from './flag-values.js';

export function consoleCommand(ctx: CommandContext): Command {
  return commandFromSpec(specNamed('console')).action(async (name: string, opts: MachineFlags & { follow?: boolean; poll: string }) => {
    const stateDir = () => stateDirOf(opts);
    for await (const line of consoleLines(() => openMachine(opts), name, { follow: opts.follow ?? false, pollMs: positiveInteger('--poll', opts.poll), stateDir })) ctx.out(line + '\n');
  });
}
