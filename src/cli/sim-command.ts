import * as fs from 'node:fs';
import { Command, Option } from 'commander';
import { pc } from './colors.js';
import { ParkerError } from '../units/parker-error.js';
import { createSimMachine, openSimMachine, SIM_IMAGE } from '../machines/sim/sim-machine.js';
import { SimStore } from '../machines/sim/sim-store.js';
import type { SimSource } from '../machines/sim/sim-state.js';
import { describePool } from '../machines/sim/cma-pools.js';
import { INJECTIONS, BOOT_MODEL, type Injection } from '../machines/sim/app-kernel.js';
import { makeTestBzImage } from '../machines/sim/bzimage.js';
import { parseSyntheticDescription } from '../synthetic/description.js';
import { forgetApplied } from '../service/applied-layout.js';
import { outputOption, printData } from './output-format.js';
import { stateDirOf } from '../service/state-dir.js';
import type { CommandContext } from './command-context.js';

type SimFlags = { stateDir?: string; synthetic?: string; from?: string; root?: string; cmdline?: string; output: string };

function sourceOf(opts: SimFlags): SimSource {
  const given = [opts.synthetic && 'synthetic', opts.from && 'from', opts.root && 'root'].filter(Boolean);
  if (given.length > 1) throw new ParkerError('E_USAGE', `choose one source: ${given.map((g) => `--${g}`).join(' and ')} were both given`, 'keep one of --synthetic, --from, --root');
  if (opts.synthetic) {
    parseSyntheticDescription(opts.synthetic);
    return { kind: 'synthetic', description: opts.synthetic };
  }
  if (opts.from) return { kind: 'archive', path: opts.from };
  if (opts.root) return { kind: 'root', path: opts.root };
  return { kind: 'default' };
}

function showData(stateDir: string) {
  const m = openSimMachine(stateDir);
  const k = m.kernel;
  m.close();
  return {
    schema: 'parker.sim/v1',
    stateDir,
    source: m.meta.source,
    description: m.description,
    cmdline: k.cmdline,
    createdAt: m.meta.createdAt,
    clockMs: k.clock,
    crashed: k.crash,
    cpus: { possible: k.hardware.cpus.possible.length, online: k.online.size },
    pools: [...k.pools.values()].map((p) => ({ name: p.name, node: p.node, range: p.range, used: p.used, summary: describePool(p) })),
    partitions: [...k.partitions.values()].map((p) => ({ name: p.name, id: p.id, status: p.status, cpus: p.cpus.length, memory: p.memory, devices: p.devices })),
    kexecLoaded: k.kexec,
    bootModel: BOOT_MODEL,
    image: SIM_IMAGE,
    events: k.events,
  };
}

function renderShow(d: ReturnType<typeof showData>): string {
  const lines = [
    `${pc.bold('Simulated machine')} ${d.description} (state in ${d.stateDir})`,
    `created ${d.createdAt}, simulated time ${(d.clockMs / 1000).toFixed(1)} s`,
    `boot command line: ${d.cmdline}`,
    `CPUs: ${d.cpus.online} of ${d.cpus.possible} online in the boot kernel`,
    d.pools.length ? `CMA pools:\n${d.pools.map((p) => `  ${p.summary}`).join('\n')}` : pc.yellow('no parker_cma= on the boot command line: Parker is disabled'),
    `kexec image loaded: ${d.kexecLoaded ? `${d.kexecLoaded.path} (${d.kexecLoaded.version ?? '?'})` : 'none'}`,
    `partitions: ${d.partitions.map((p) => `${p.name} (${p.status})`).join(', ') || 'none'}`,
    `application kernels boot from ${d.image} in the simulator's own /boot (${d.stateDir}/sim/files)`,
  ];
  if (d.crashed) lines.push(pc.red(`CRASHED: ${d.crashed.reason}`));
  return lines.join('\n') + '\n';
}

export function simCommand(ctx: CommandContext): Command {
  const sim = new Command('sim').description('the simulated Parker machine: create, reset, show, inject faults');
  const stateDir = () => new Option('--state-dir <dir>', 'state directory (default: $PARKER_STATE_DIR or $XDG_STATE_HOME/parker)');

  sim.addCommand(
    new Command('create')
      .description('create a simulated machine (replacing the current one): the default server, a synthetic description, a snapshot or a sysfs tree')
      .addOption(new Option('--synthetic <description>', 'a synthetic description (docs/synthetic.md)'))
      .addOption(new Option('--from <archive>', 'a snapshot written by parker gather'))
      .addOption(new Option('--root <dir>', 'a copied sysfs/procfs tree'))
      .addOption(new Option('--cmdline <text>', "the boot kernel's command line (parker_cma= sizes the CMA pools)"))
      .addOption(stateDir())
      .addOption(outputOption())
      .action((opts: SimFlags) => {
        const dir = stateDirOf(opts);
        createSimMachine(dir, { source: sourceOf(opts), now: ctx.now(), ...(opts.cmdline ? { cmdline: opts.cmdline } : {}) }).close();
        forgetApplied(dir);
        const data = showData(dir);
        printData(opts.output, data, () => renderShow(data), ctx.out);
      }),
  );
  sim.addCommand(
    new Command('reset')
      .description('start the simulated machine again from its source: every partition gone, every CPU online')
      .addOption(stateDir())
      .addOption(outputOption())
      .action((opts: SimFlags) => {
        const dir = stateDirOf(opts);
        const store = new SimStore(dir);
        const meta = store.exists() ? store.readMeta() : null;
        const source = meta?.source ?? { kind: 'default' };
        // The machine's own copy of its snapshot: the original file may be gone.
        const archive = (source.kind === 'archive' || source.kind === 'root') && meta ? fs.readFileSync(store.sourceArchive) : undefined;
        createSimMachine(dir, { source, now: ctx.now(), ...(meta ? { cmdline: meta.cmdline } : {}), ...(archive ? { archive } : {}) }).close();
        forgetApplied(dir);
        const data = showData(dir);
        printData(opts.output, data, () => renderShow(data), ctx.out);
      }),
  );
  sim.addCommand(
    new Command('show')
      .description('what the simulated machine is and holds: source, command line, CMA pools, partitions, events')
      .addOption(stateDir())
      .addOption(outputOption())
      .action((opts: SimFlags) => {
        const data = showData(stateDirOf(opts));
        printData(opts.output, data, () => renderShow(data), ctx.out);
      }),
  );
  sim.addCommand(
    new Command('inject')
      .description(`make a running kernel do something with machine-wide consequences: ${INJECTIONS.join(', ')}`)
      .argument('<name>', 'kernel name')
      .argument('<what>', INJECTIONS.join(' | '))
      .addOption(stateDir())
      .action((name: string, what: string, opts: SimFlags) => {
        if (!(INJECTIONS as readonly string[]).includes(what)) throw new ParkerError('E_USAGE', `unknown injection "${what}"`, `use one of: ${INJECTIONS.join(', ')}`);
        const m = openSimMachine(stateDirOf(opts));
        const before = m.kernel.events.length;
        m.inject(name, what as Injection);
        m.close();
        for (const e of m.kernel.events.slice(before)) ctx.out(`${e.severity}${e.hazard ? ` ${e.hazard}` : ''}: ${e.message}\n`);
      }),
  );
  sim.addCommand(
    new Command('image')
      .description('write a small bzImage that passes kexec\'s header checks (what the simulator boots)')
      .requiredOption('-o, --output <file>', 'where to write it')
      .addOption(new Option('--kernel-version <text>', 'version string inside it').default('6.1.0-parker'))
      .action((opts: { output: string; kernelVersion: string }) => {
        try {
          fs.writeFileSync(opts.output, makeTestBzImage({ version: opts.kernelVersion }));
        } catch (e) {
          throw new ParkerError('E_IO', `cannot write ${opts.output}: ${(e as NodeJS.ErrnoException).code}`, 'choose a writable path for -o');
        }
        ctx.err(`wrote ${opts.output}\n`);
      }),
  );
  return sim;
}
