import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { pc } from './colors.js';
import { commandFromSpec } from './command-from-spec.js';
import { specNamed } from './command-specs.js';
import type { CommandContext } from './command-context.js';
import { hostRunsParker } from '../machines/host/host-machine.js';

/** examples/default.yaml of this installation, wherever parker runs from. */
export function defaultExample(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/default.yaml');
}

/**
 * `npm start`: the tour in one go, on the simulated server. Each stage runs the same command a
 * user would type, so what the demo shows is what the commands do.
 */
/** Runs one parker command line; with `capture`, returns its output instead of printing it. */
export type Runner = (args: string[], capture?: boolean) => Promise<{ code: number; out: string }>;

export function demoCommand(ctx: CommandContext, run: Runner): Command {
  return commandFromSpec(specNamed('demo')).action(async (opts: { stateDir?: string }) => {
      const layout = path.relative(process.cwd(), defaultExample()) || defaultExample();
      const state = opts.stateDir ? ['--state-dir', opts.stateDir] : [];
      // The simulator always, even on a Parker boot kernel (where the host is the default machine).
      const sim = ['--machine', 'sim'];
      const stage = async (title: string, args: string[], okCodes = [0]) => {
        ctx.out(`\n${pc.bold(pc.cyan(`$ parker ${args.join(' ')}`))}  ${pc.dim(`# ${title}`)}\n`);
        const { code } = await run([...args, ...state]);
        if (!okCodes.includes(code)) throw new Error(`parker ${args.join(' ')} exited ${code}`);
      };
      const started = Date.now();
      await stage('a fresh simulated 256-CPU server, 4 NUMA nodes, booted with parker_cma=', ['sim', 'create']);
      await stage('every problem with file:line:col and the fix (none here: exit 0)', ['validate', layout, ...sim]);
      await stage('plan and apply: one line per step, rolled back on failure', ['apply', layout, ...sim]);
      await stage('what runs now', ['status', ...sim]);
      ctx.out(`\n${pc.bold(pc.cyan('$ parker console db'))}  ${pc.dim('# the first lines of its boot log')}\n`);
      const console = await run(['console', 'db', ...sim, ...state], true);
      ctx.out(console.out.split('\n').slice(0, 12).join('\n') + `\n${pc.dim('...')}\n`);
      ctx.out(`\n${pc.bold('Demo done')} in ${((Date.now() - started) / 1000).toFixed(1)} s. Try next:\n` + tryNext(layout, opts.stateDir) + (hostRunsParker() ? `(this computer runs Parker: add --machine sim to each, or they act on it)\n` : ''));
    });
}

/** A word as a POSIX shell reads it back: quoted when it holds anything but plain characters. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A path as a user here would type it: relative below the current directory, absolute elsewhere. */
function typedPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : path.resolve(cwd, file);
}

/** Whether `parker` on the search path is this bin (an installed parker). */
function parkerOnPath(bin: string): boolean {
  const real = (file: string) => {
    try {
      return fs.realpathSync(file);
    } catch {
      return null;
    }
  };
  const self = real(bin);
  return self !== null && (process.env['PATH'] ?? '').split(path.delimiter).some((dir) => dir !== '' && real(path.join(dir, 'parker')) === self);
}

/**
 * The commands to try after the demo, as they run from here: parker as it was started (the
 * installed \`parker\` when that is this bin, else this bin by its path), the examples by their
 * path from here, and the demo's state directory when it was given one (on the default one,
 * another machine would answer).
 */
export function tryNext(layout: string, stateDir: string | undefined, bin = process.argv[1] ?? 'parker', cwd = process.cwd()): string {
  const typedBin = typedPath(bin, cwd);
  const parker = parkerOnPath(bin) ? 'parker' : shellWord(typedBin.includes('/') ? typedBin : `./${typedBin}`);
  const wrong = typedPath(path.join(path.dirname(defaultExample()), 'wrong.yaml'), cwd);
  const state = stateDir ? ` --state-dir ${shellWord(stateDir)}` : '';
  const lines: [string, string][] = [
    [`discover${state}`, 'the machine, as lstopo and numactl -H would show it'],
    [`plan ${shellWord(typedPath(layout, cwd))}${state}`, 'placement, command lines and steps'],
    [`validate ${shellWord(wrong)}${state}`, 'hazards H01-H25 caught before anything runs'],
    [`sim inject web reboot${state}`, "H10: one kernel's reboot resets the whole machine"],
    [`destroy --all${state}`, 'give everything back to the boot kernel'],
  ];
  const width = Math.max(...lines.map(([command]) => command.length)) + parker.length + 1;
  return lines.map(([command, what]) => `  ${`${parker} ${command}`.padEnd(width)}   ${what}\n`).join('');
}
