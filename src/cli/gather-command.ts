import type { Command } from 'commander';
import { writeUserFile } from '../machines/user-file.js';
import { plural } from '../units/plural.js';
import type { MachineFlags } from './machine-flags.js';
import { openMachine } from '../service/open-machine.js';
import { gatherMachine } from '../service/gather.js';
import { commandFromSpec } from './command-from-spec.js';
import { specNamed } from './command-specs.js';
import { stateDirOf } from '../service/state-dir.js';
import { refuseInsideStateDir } from './outside-state-dir.js';
import { note, type CommandContext } from './command-context.js';

export function gatherCommand(ctx: CommandContext): Command {
  return commandFromSpec(specNamed('gather')).action((opts: MachineFlags & { outputFile: string }) => {
    // gather describes a real machine unless told otherwise: that is what it is for.
    const flags = opts.machine ?? opts.root ?? opts.synthetic ?? opts.from ? opts : { ...opts, machine: 'host' };
    // Not into parker's own files. A state directory that cannot be one (a bad
    // PARKER_STATE_DIR) holds none, and gather does not need it: it is not refused for that.
    let stateDir: string | null = null;
    try {
      stateDir = stateDirOf(flags);
    } catch {
      stateDir = null;
    }
    if (stateDir !== null) refuseInsideStateDir(opts.outputFile, '-f', stateDir);
    const machine = openMachine(flags);
    const snapshot = gatherMachine(machine, { parkerVersion: ctx.version, now: ctx.now() });
    writeUserFile(opts.outputFile, snapshot.bytes, '-f');
    const t = snapshot.topology;
    note(ctx, 
      `gathered ${machine.description}: ${plural(snapshot.meta.files, 'file')}, ${plural(t.cpus.possible.length, 'CPU')}, ${plural(t.nodes.length, 'NUMA node')}, ` +
        `${plural(t.pci.length, 'PCI device')} -> ${opts.outputFile} (${(snapshot.bytes.length / 1024).toFixed(1)} KiB)\n` +
        `read it anywhere with: parker discover --from ${opts.outputFile}\n`,
    );
  });
}
