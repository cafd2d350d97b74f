import * as v8 from 'node:v8';
import type { Command } from 'commander';
import { discover } from '../topology/discover.js';
import { ParkerError } from '../units/parker-error.js';
import { toHwlocXml } from '../hwloc/hwloc-xml.js';
import type { MachineFlags } from './machine-flags.js';
import { openMachine } from '../service/open-machine.js';
import { printData } from './output-format.js';
import { renderTopology } from './render-topology.js';
import { commandFromSpec } from './command-from-spec.js';
import { specNamed } from './command-specs.js';
import type { CommandContext } from './command-context.js';

/**
 * Discovery reads tens of thousands of small files and keeps little of them: V8 would grow its
 * young generation to hold the passing garbage, and a 4096-CPU machine's discovery then peaked
 * 12 MiB higher for no gain in time (bench/discover). Keeping it at its first size is a flag V8
 * reads at every collection. The returned function puts the flag back (V8's default, 2 in
 * `node --v8-options`, unless node was started with another): a later command of the same
 * process (the demo, the code cache's recording) must run under the flags it would have alone,
 * and V8 refuses a code cache made under other flags.
 */
function keepYoungGenerationSmall(): () => void {
  // What this process was started with, if it named the flag itself.
  const given = process.execArgv.map((a) => /^--semi[-_]space[-_]growth[-_]factor=(\d+)$/.exec(a)?.[1]).find((v) => v !== undefined);
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  return () => v8.setFlagsFromString(`--semi-space-growth-factor=${given ?? 2}`);
}

/** The machine to describe; a file given as -i is named -i in what goes wrong with it. */
function openInput(flags: MachineFlags, input: string | undefined) {
  if (input === undefined) return openMachine(flags);
  try {
    return openMachine({ ...flags, from: input });
  } catch (e) {
    if (e instanceof ParkerError && e.message.startsWith('--from ')) throw new ParkerError(e.code, `-i ${e.message.slice('--from '.length)}`, e.hint);
    throw e;
  }
}

export function discoverCommand(ctx: CommandContext): Command {
  return commandFromSpec(specNamed('discover')).action((opts: MachineFlags & { output: string; input?: string }) => {
    const restore = keepYoungGenerationSmall();
    try {
      const { input, ...flags } = opts;
      if (input !== undefined && flags.from !== undefined) throw new ParkerError('E_USAGE', '-i and --from both name the input', 'keep one of them');
      const topology = discover(openInput(flags, input));
      for (const warning of topology.warnings ?? []) ctx.err(`warning: ${warning.message}`);
      if (opts.output === 'hwloc') ctx.out(toHwlocXml(topology));
      else printData(opts.output, topology, (wide) => renderTopology(topology, wide), ctx.out);
    } finally {
      restore();
    }
  });
}
