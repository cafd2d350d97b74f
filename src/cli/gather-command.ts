import * as fs from 'node:fs';
import * as os from 'node:os';
import { Command } from 'commander';
import { ParkerError } from '../units/parker-error.js';
import { gatherSnapshot } from '../snapshot/snapshot.js';
import { machineOptions, type MachineFlags } from '../cli/machine-flags.js';
import { openMachine } from '../service/open-machine.js';
import { interfaceFor } from '../service/kernel-interfaces.js';
import { hardwareOf } from '../topology/hardware-topology.js';
import { discover } from '../topology/discover.js';
import type { CommandContext } from './command-context.js';

export function gatherCommand(ctx: CommandContext): Command {
  const command = new Command('gather')
    .description('collect exactly the sysfs/procfs files discovery reads into an archive, for `parker discover --from` elsewhere')
    .requiredOption('-o, --output <file>', 'archive to write (.tar.gz)');
  for (const option of machineOptions()) command.addOption(option);
  return command.action((opts: MachineFlags & { output: string }) => {
    // gather describes a real machine unless told otherwise: that is what it is for.
    const flags = opts.machine ?? opts.root ?? opts.synthetic ?? opts.from ? opts : { ...opts, machine: 'host' };
    const machine = openMachine(flags);
    const snapshot = gatherSnapshot(machine, {
      hostname: machine.kind === 'host' ? os.hostname() : null,
      parkerVersion: ctx.version,
      now: ctx.now(),
      // Planning and status read the partitions' own files, and the structure offline CPUs hide.
      alsoRead: (fs) => interfaceFor(fs).readPartitions(fs),
      hardware: hardwareOf(machine, discover(machine)),
    });
    try {
      fs.writeFileSync(opts.output, snapshot.bytes);
    } catch (e) {
      throw new ParkerError('E_IO', `cannot write ${opts.output}: ${(e as NodeJS.ErrnoException).code}`, 'choose a writable path for -o');
    }
    const t = snapshot.topology;
    ctx.err(
      `gathered ${machine.description}: ${snapshot.meta.files} files, ${t.cpus.possible.length} CPUs, ${t.nodes.length} NUMA nodes, ` +
        `${t.pci.length} PCI devices -> ${opts.output} (${(snapshot.bytes.length / 1024).toFixed(1)} KiB)\n` +
        `read it anywhere with: parker discover --from ${opts.output}\n`,
    );
  });
}
