import { Command } from 'commander';
import { pc } from './colors.js';
import { lookupValue, parseCmdline } from '../plan/cmdline-params.js';
import { makeTestBzImage } from '../machines/sim/bzimage.js';
import { writeUserFile } from '../machines/user-file.js';
import { createSim, injectSim, resetSim, simReport, simSourceOf, type SimReport } from '../service/sim.js';
import { printData } from './output-format.js';
import { stateDirOf } from '../service/state-dir.js';
import { commandFromSpec } from './command-from-spec.js';
import { specNamed, subSpecNamed } from './command-specs.js';
import { note, type CommandContext } from './command-context.js';

type SimFlags = { stateDir?: string; synthetic?: string; from?: string; root?: string; cmdline?: string; output: string };

/** The simulator's state directory: never the host's (/var/lib/parker), even on a Parker boot kernel. */
const simStateDir = (opts: SimFlags) => stateDirOf({ ...opts, machine: 'sim' });

function renderShow(d: SimReport): string {
  const lines = [
    `${pc.bold('Simulated machine')} ${d.description} (state in ${d.stateDir})`,
    `created ${d.createdAt}, simulated time ${(d.clockMs / 1000).toFixed(1)} s`,
    `boot command line: ${d.cmdline}`,
    `CPUs: ${d.cpus.online} of ${d.cpus.possible} online in the boot kernel`,
    d.pools.length ? `CMA pools:\n${d.pools.map((p) => `  ${p.summary}`).join('\n')}` : noPools(d),
    `kexec image loaded: ${d.kexecLoaded ? `${d.kexecLoaded.path} (${d.kexecLoaded.version ?? '?'})` : 'none'}`,
    `partitions: ${d.partitions.map((p) => `${p.name} (${p.status})`).join(', ') || 'none'}`,
    `application kernels boot from ${d.image} in the simulator's own /boot (${d.stateDir}/sim/files)`,
  ];
  if (d.crashed) lines.push(pc.red(`CRASHED: ${d.crashed.reason}`));
  return lines.join('\n') + '\n';
}

/** Why Parker is off: no parker_cma= at all, or one that reserved nothing (with the kernel's words). */
function noPools(d: SimReport): string {
  const asked = lookupValue(parseCmdline(d.cmdline), 'parker_cma');
  if (asked === undefined || asked === null) return pc.yellow('no parker_cma= on the boot command line: Parker is disabled');
  const log = d.reservationLog.map((line) => `  ${line}`).join('\n');
  return pc.yellow(`parker_cma=${asked} reserved no pool: Parker is disabled`) + (log ? `\n${log}` : '');
}

/** The partitions of the machine in `dir` now, or none when there is no machine (or it cannot be read). */
function partitionsBefore(dir: string): string[] {
  try {
    return simReport(dir).partitions.map((p) => p.name);
  } catch {
    return [];
  }
}

export function simCommand(ctx: CommandContext): Command {
  const spec = specNamed('sim');
  const sub = (name: string) => commandFromSpec(subSpecNamed(spec, name));
  const show = (opts: SimFlags, data: SimReport) => printData(opts.output, data, () => renderShow(data), ctx.out);
  // Making the machine anew ends what ran on it: say so, as a reboot would be noticed.
  const replacing = (dir: string, make: () => SimReport, opts: SimFlags) => {
    const before = partitionsBefore(dir);
    show(opts, make());
    if (before.length) note(ctx, pc.yellow(`the machine was made anew: its partitions ${before.join(', ')} and its applied layout are gone\n`));
  };
  return new Command(spec.name)
    .description(spec.summary)
    .addCommand(
      sub('create').action((opts: SimFlags) =>
        replacing(simStateDir(opts), () => createSim(simStateDir(opts), { source: simSourceOf(opts), now: ctx.now(), ...(opts.cmdline ? { cmdline: opts.cmdline } : {}) }), opts),
      ),
    )
    .addCommand(sub('reset').action((opts: SimFlags) => replacing(simStateDir(opts), () => resetSim(simStateDir(opts), ctx.now()), opts)))
    .addCommand(sub('show').action((opts: SimFlags) => show(opts, simReport(simStateDir(opts)))))
    .addCommand(
      sub('inject').action((name: string, what: string, opts: SimFlags) => {
        // What followed are machine events, reported as such: the injection itself succeeded.
        for (const e of injectSim(simStateDir(opts), name, what)) ctx.out(`event${e.hazard ? ` ${e.hazard}` : ''} [${e.severity}]: ${e.message}\n`);
      }),
    )
    .addCommand(
      sub('image').action((opts: { outputFile: string; kernelVersion: string }) => {
        writeUserFile(opts.outputFile, makeTestBzImage({ version: opts.kernelVersion }), '-f');
        note(ctx, `wrote ${opts.outputFile}\n`);
      }),
    );
}
