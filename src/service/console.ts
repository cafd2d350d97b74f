import { ParkerError } from '../units/parker-error.js';
import type { Machine } from '../machines/machine.js';
import { interfaceFor } from './kernel-interfaces.js';
import { partitionName } from '../units/partition-name.js';

export interface ConsoleRead {
  lines: string[];
  exists: boolean;
  online: boolean;
}

/** A kernel's console as the machine shows it now, and whether its partition exists and runs. */
export function readConsole(machine: Machine, name: string): ConsoleRead {
  if (!machine.console) throw new ParkerError('E_NO_CONSOLE', `${machine.description} cannot show consoles`, 'read the kernel console on its serial port');
  partitionName(name);
  const partition = interfaceFor(machine.fs).readPartitions(machine.fs).find((p) => p.name === name);
  const lines = machine.console(name);
  machine.close?.();
  return { lines, exists: partition !== undefined, online: partition?.online ?? false };
}

/**
 * A kernel's console lines, then (with `follow`) each new line as it comes, until the kernel
 * stops. `open` is called for every look, so a machine whose state lives in files (the
 * simulator) is read afresh.
 */
export async function* consoleLines(open: () => Machine, name: string, options: { follow?: boolean; pollMs?: number } = {}): AsyncGenerator<string> {
  let state = readConsole(open(), name);
  if (!state.exists) throw new ParkerError('E_NOT_FOUND', `no partition named ${name}`, 'see parker status');
  let seen = 0;
  for (;;) {
    for (const line of state.lines.slice(seen)) yield line;
    seen = state.lines.length;
    if (!options.follow || !state.exists || !state.online) return;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
    state = readConsole(open(), name);
  }
}
