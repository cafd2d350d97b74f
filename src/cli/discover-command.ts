import { Command } from 'commander';
import { discover } from '../topology/discover.js';
import { toHwlocXml } from '../hwloc/hwloc-xml.js';
import { machineOptions, type MachineFlags } from '../cli/machine-flags.js';
import { openMachine } from '../service/open-machine.js';
import { outputOption, printData } from './output-format.js';
import { renderTopology } from './render-topology.js';
import type { CommandContext } from './command-context.js';

export function discoverCommand(ctx: CommandContext): Command {
  const command = new Command('discover')
    .description('describe a machine: packages, NUMA nodes, caches, cores, memory blocks, PCI devices')
    .addOption(outputOption(['hwloc']))
    .addHelpText('after', '\nThe JSON shape is documented in docs/topology-json.md (schema "parker.topology/v1").');
  for (const option of machineOptions()) command.addOption(option);
  return command.action((opts: MachineFlags & { output: string }) => {
    const topology = discover(openMachine(opts));
    if (opts.output === 'hwloc') ctx.out(toHwlocXml(topology));
    else printData(opts.output, topology, () => renderTopology(topology), ctx.out);
  });
}
