import type { Command } from 'commander';
import { stateDirOf } from '../service/state-dir.js';
import { ensureToken, parseListen, startDaemon } from '../server/daemon.js';
import { tokenFile } from '../service/daemon-files.js';
import type { MachineFlags } from './machine-flags.js';
import { commandFromSpec } from './command-from-spec.js';
import { specNamed } from './command-specs.js';
import { note, type CommandContext } from './command-context.js';
import { positiveInteger } from './flag-values.js';

type Flags = MachineFlags & { listen?: string; force?: boolean; maxBody: string; showToken?: boolean; poll: string; blockPerStep?: string };


/** `parker serve`: parses its flags and runs the daemon of src/server until SIGINT or SIGTERM. */
export function serveCommand(ctx: CommandContext): Command {
  return commandFromSpec(specNamed('serve')).action(async (opts: Flags) => {
    const stateDir = stateDirOf(opts);
    if (opts.showToken) {
      ctx.out(`${ensureToken(stateDir)}\n`);
      note(ctx, `kept in ${tokenFile(stateDir)}\n`);
      return;
    }
    const listen = parseListen(opts.listen, stateDir, opts.force ?? false);
    // Listened for before the daemon starts: Ctrl-C at any time after this stops it cleanly.
    const stopAsked = new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    const machine = { ...(opts.machine !== undefined ? { machine: opts.machine } : {}), ...(opts.root !== undefined ? { root: opts.root } : {}), ...(opts.synthetic !== undefined ? { synthetic: opts.synthetic } : {}), ...(opts.from !== undefined ? { from: opts.from } : {}), stateDir };
    const daemon = await startDaemon({
      machine,
      stateDir,
      listen,
      version: ctx.version,
      maxBody: positiveInteger('--max-body', opts.maxBody),
      pollMs: positiveInteger('--poll', opts.poll),
      ...(opts.blockPerStep ? { blockMsPerStep: positiveInteger('--block-per-step', opts.blockPerStep) } : {}),
    });
    // Standard error carries the daemon's JSON log lines: a line for people only at a terminal,
    // so that a log collector reads nothing else.
    const human = (text: string) => process.stderr.isTTY && note(ctx, text);
    human(`parker serve: listening on ${daemon.address}; writes need the bearer token in ${daemon.tokenFile}\n`);
    await stopAsked;
    await daemon.close();
    human('parker serve: stopped\n');
  });
}
