import { ParkerError } from '../units/parker-error.js';
import { hostChosen, openHost } from '../service/open-host.js';
import { stateDirOf } from '../service/state-dir.js';
import type { ConfirmPolicy, ServiceContext } from '../service/service-context.js';
import type { ServiceEvent } from '../service/events.js';
import type { MachineFlags } from './machine-flags.js';
import type { CommandContext } from './command-context.js';

/**
 * The CLI's confirmation policy: the simulator changes freely; a real host changes only with
 * --yes or a "y" typed on the terminal, and without a terminal the command refuses.
 */
export function terminalConfirm(ctx: CommandContext, yes: boolean | undefined): ConfirmPolicy {
  return async ({ action, machine }) => {
    if (machine.kind !== 'host' || yes) return true;
    if (!ctx.isTTY) throw new ParkerError('E_CONFIRM', `${action} would change ${machine.description}, and there is no terminal to confirm on`, 'read the plan, then run again with --yes');
    return ctx.confirm(`${action} on ${machine.description}?`);
  };
}

/**
 * The service context of one CLI command: its machine flags, its state directory, the terminal.
 * On a host, the other machines' code (the simulator, snapshots, hwloc XML) is not loaded.
 */
export async function serviceContextOf(ctx: CommandContext, flags: MachineFlags & { yes?: boolean }, onEvent?: (event: ServiceEvent) => void): Promise<ServiceContext> {
  const open = hostChosen(flags) ? openHost : (await import('../service/open-machine.js')).openMachine;
  return {
    open: (options) => open(flags, options),
    stateDir: stateDirOf(flags),
    confirm: terminalConfirm(ctx, flags.yes),
    now: ctx.now,
    ...(onEvent ? { onEvent } : {}),
  };
}
