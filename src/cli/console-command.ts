import { Command, Option } from 'commander';
import { ParkerError } from '../units/parker-error.js';
import { machineOptions, type MachineFlags } from '../cli/machine-flags.js';
import { openMachine } from '../service/open-machine.js';
import { interfaceFor } from '../service/kernel-interfaces.js';
import type { CommandContext } from './command-context.js';

export function consoleCommand(ctx: CommandContext): Command {
  const command = new Command('console')
    .description("print an application kernel's console")
    .argument('<name>', 'kernel name')
    .addOption(new Option('-f, --follow', 'keep printing new lines until the kernel stops or Ctrl-C'))
    .addOption(new Option('--poll <ms>', 'how often --follow looks for new lines').default('500').hideHelp())
    .addHelpText('after', '\nExit status: 0, or 2 no such partition, 3 the machine cannot show consoles.');
  for (const option of machineOptions()) command.addOption(option);
  return command.action(async (name: string, opts: MachineFlags & { follow?: boolean; poll: string }) => {
    const read = () => {
      const machine = openMachine(opts);
      if (!machine.console) throw new ParkerError('E_NO_CONSOLE', `${machine.description} cannot show consoles`, 'read the kernel console on its serial port');
      const iface = interfaceFor(machine.fs);
      const partition = iface.readPartitions(machine.fs).find((p) => p.name === name);
      machine.close?.();
      return { lines: machine.console(name), exists: partition !== undefined, online: partition?.online ?? false };
    };
    let seen = 0;
    let state = read();
    if (!state.exists) throw new ParkerError('E_NOT_FOUND', `no partition named ${name}`, 'see parker status');
    for (;;) {
      for (const line of state.lines.slice(seen)) ctx.out(line + '\n');
      seen = state.lines.length;
      if (!opts.follow || !state.exists || !state.online) return;
      await new Promise((resolve) => setTimeout(resolve, Number(opts.poll)));
      state = read();
    }
  });
}
