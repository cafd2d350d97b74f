import type { Command } from 'commander';
import { discover } from '../topology/discover.js';
import { toHwlocXml } from '../hwloc/hwloc-xml.js';
import type { MachineFlags } from './machine-flags.js';
import { openMachine } from '../service/open-machine.js';
import { printData } from './output-format.js';
import { renderTopology } from './render-topology.js';
import { commandFromSpec } from './command-from-spec.js';
import { specNamed } from './command-specs.js';
import type { CommandContext } from './command-context.js';

export function discoverCommand(ctx: CommandContext): Command {
  return commandFromSpec(specNamed('discover')).action((opts: MachineFlags & { output: string }) => {
    const topology = discover(openMachine(opts));
    if (opts.output === 'hwloc') ctx.out(toHwlocXml(topology));
    else printData(opts.output, topology, (wide) => renderTopology(topology, wide), ctx.out);
  });
}
