import { ParkerError } from '../units/parker-error.js';
import type { ConsoleCursor, Machine } from '../machines/machine.js';
import { interfaceFor } from './kernel-interfaces.js';
import { partitionName } from '../units/partition-name.js';
import { loadApplied } from './applied-layout.js';

export interface ConsoleRead {
  lines: string[];
  exists: boolean;
  online: boolean;
}

/** A kernel's console as the machine shows it now, and whether its partition exists and runs. */
export function readConsole(machine: Machine, name: string): ConsoleRead {
  const partition = consolePartition(machine, name);
  const lines = machine.console!(name);
  machine.close?.();
  return { lines, exists: partition !== undefined, online: partition?.online ?? false };
}

/**
 * A kernel's console lines, then (with `follow`) each new line as it comes, until the kernel
 * stops. `open` is called for every look, so a machine whose state lives in files (the
 * simulator) is read afresh.
 */
export async function* consoleLines(open: () => Machine, name: string, options: { follow?: boolean; pollMs?: number; stateDir?: () => string } = {}): AsyncGenerator<string> {
  const machine = open();
  if (options.follow) return yield* followConsole(machine, open, name, options);
  const state = readConsole(machine, name);
  if (!state.exists) throw noPartition(name, machine.description, options.stateDir, 'see parker status');
  yield* state.lines;
}

/** The partition `name` on a machine that can show consoles (and follow them), if it has one. */
function consolePartition(machine: Machine, name: string) {
  if (!machine.console || !machine.consoleSince) throw new ParkerError('E_NO_CONSOLE', `${machine.description} cannot show consoles`, 'read the kernel console on its serial port');
  partitionName(name);
  return interfaceFor(machine.fs).readPartitions(machine.fs).find((p) => p.name === name);
}

/**
 * Follows a console through consoleSince: each look reads only what came since the last, so a
 * console that grows for hours costs no more to follow than one that just began. A line is
 * shown once it is whole; what the kernel left unfinished is shown when it stops.
 */
async function* followConsole(machine: Machine, open: () => Machine, name: string, options: { pollMs?: number; stateDir?: () => string }): AsyncGenerator<string> {
  let cursor: ConsoleCursor | null = null;
  for (let look = machine; ; look = open()) {
    const partition = consolePartition(look, name);
    if (partition === undefined && cursor === null) {
      look.close?.();
      throw noPartition(name, look.description, options.stateDir, 'see parker status');
    }
    const running = partition?.online ?? false;
    // Once it has stopped, everything it printed, in as many reads as that takes.
    for (let read = look.consoleSince!(name, cursor, !running); ; read = look.consoleSince!(name, cursor, true)) {
      cursor = read.cursor;
      yield* read.lines;
      if (running || read.lines.length === 0) break;
    }
    look.close?.();
    if (!running) return;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
}

/**
 * The error for a console with no partition behind it. A kernel of the applied layout is named
 * as such (destroyed, or never started: `parker start` makes its partition again); a state
 * directory or applied layout that cannot be read is no reason for another error here.
 * `stateDir` is asked only then: reading a console needs none.
 */
export function noPartition(name: string, machine: string, stateDir: (() => string) | undefined, see: string): ParkerError {
  let inLayout = false;
  try {
    inLayout = stateDir !== undefined && (loadApplied(stateDir(), machine)?.layout.spec.kernels.some((k) => k.name === name) ?? false);
  } catch {
    inLayout = false;
  }
  return inLayout
    ? new ParkerError('E_NOT_FOUND', `${name} has no partition on ${machine}: it is a kernel of the applied layout, destroyed or not started since`, `start it (parker start ${name}), which makes its partition; ${see}`)
    : new ParkerError('E_NOT_FOUND', `no partition named ${name}`, see);
}
