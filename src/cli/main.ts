import * as fs from 'node:fs';
import { Command, CommanderError } from 'commander';
import { pc } from './colors.js';
import { ParkerError } from '../units/parker-error.js';
import { KernelError } from '../machines/kernel-error.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import type { CommandContext } from './command-context.js';
import { COMMAND_SPECS, GLOBAL_FLAGS, type CommandSpec } from './command-specs.js';
import { commandFromSpec } from './command-from-spec.js';
import { loadConfig, type ParkerConfig } from './config-file.js';
import { terminalSafe } from './terminal-safe.js';
import { withoutControls } from '../units/framed-lines.js';
import { flagsAfterCommand } from './flags-before-command.js';
import { readline } from '../units/late-builtins.js';

type CommandFactory = (ctx: CommandContext) => Command;

/**
 * Every command, loaded only when it runs: start-up time counts (a status check should not
 * pay for the layout schema), and in the QEMU lab every module costs seconds.
 */
const COMMANDS: Record<string, () => Promise<CommandFactory>> = {
  discover: async () => (await import('./discover-command.js')).discoverCommand,
  gather: async () => (await import('./gather-command.js')).gatherCommand,
  validate: async () => (await import('./validate-command.js')).validateCommand,
  plan: async () => (await import('./plan-command.js')).planCommand,
  apply: async () => (await import('./apply-command.js')).applyCommand,
  status: async () => (await import('./status-command.js')).statusCommand,
  start: async () => (await import('./lifecycle-commands.js')).startCommand,
  stop: async () => (await import('./lifecycle-commands.js')).stopCommand,
  console: async () => (await import('./console-command.js')).consoleCommand,
  destroy: async () => (await import('./lifecycle-commands.js')).destroyCommand,
  recover: async () => (await import('./lifecycle-commands.js')).recoverCommand,
  serve: async () => (await import('./serve-command.js')).serveCommand,
  api: async () => (await import('./api-command.js')).apiCommand,
  sim: async () => (await import('./sim-command.js')).simCommand,
  completion: async () => (await import('./completion-command.js')).completionCommand,
  schema: async () => (await import('./schema-command.js')).schemaCommand,
  demo: async () => {
    const { demoCommand } = await import('./demo-command.js');
    // The demo runs the other commands exactly as a user would type them.
    return (ctx) =>
      demoCommand(ctx, async (args, capture) => {
        let out = '';
        // Each command keeps its own exit status: pass everything but the parent's setExitCode.
        const { setExitCode: _parent, ...inherited } = ctx;
        const code = await main(['node', 'parker', ...args], capture ? { ...inherited, out: (t) => (out += t) } : inherited);
        return { code, out };
      });
  },
};

const COMMAND_NAMES = Object.keys(COMMANDS);

function packageVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** A command as its spec declares it, with subcommands, for help only: it never runs. */
function specOnly(spec: CommandSpec): Command {
  const command = commandFromSpec(spec);
  for (const sub of spec.subcommands ?? []) command.addCommand(specOnly(sub));
  return command;
}

/**
 * The command a command line runs, as a list of its name, or none when the whole program must
 * be built: an unknown command (for "did you mean"), no command, or the program's own help asked
 * before the command (`parker --help status` lists every command).
 */
function commandToRun(args: readonly string[]): string[] {
  const at = args.findIndex((a) => !a.startsWith('-'));
  if (at < 0 || !(args[at]! in COMMANDS)) return [];
  const helpFirst = args.slice(0, at).some((a) => a === '--help' || /^-[^-]*h/.test(a));
  return helpFirst ? [] : [args[at]!];
}

/**
 * The program with the named commands loaded (all of them by default); the rest from their
 * specs, or, when exactly one is named, not at all (nothing of theirs can show then).
 */
export async function buildProgram(ctx: CommandContext, names: readonly string[] = COMMAND_NAMES): Promise<Command> {
  const program = new Command('parker')
    .description('partition one Linux server into several independent kernels')
    .version(ctx.version)
    .configureOutput({ writeOut: ctx.out, writeErr: ctx.err })
    .exitOverride();
  for (const flag of GLOBAL_FLAGS) program.option(flag.flags, flag.description);
  // The commands that may run are loaded; the others are built from their specs alone, which is
  // all help and "did you mean" need (a command module can pull in the HTTP server or the schema).
  const only = names.length === 1;
  for (const spec of COMMAND_SPECS) {
    if (names.includes(spec.name)) program.addCommand((await COMMANDS[spec.name]!())(ctx));
    else if (!only) program.addCommand(specOnly(spec));
  }
  // Before any action: the global flags into the context, the config files' defaults into the
  // options nobody gave (flags and the environment win).
  program.hook('preAction', (_program, action) => {
    const globals = action.optsWithGlobals<{ quiet?: boolean; verbose?: boolean }>();
    ctx.quiet = Boolean(globals.quiet);
    ctx.verbose = Boolean(globals.verbose) && !ctx.quiet;
    const { config, files } = loadConfig();
    if (ctx.verbose && files.length) ctx.err(`config: ${files.join(', ')}\n`);
    applyConfig(action, config);
  });
  // Every command and subcommand: usage mistakes are ParkerError-shaped (code and fix) and
  // come back to main() instead of exiting the process.
  const wire = (command: Command, path: string) => {
    command.exitOverride().configureOutput({
      writeOut: ctx.out,
      writeErr: ctx.err,
      outputError: (text, write) => write(`${pc.red('error')} E_USAGE: ${text.replace(/^error: /, '').trimEnd()}\n  ${pc.dim('fix:')} see ${path} --help\n`),
    });
    for (const sub of command.commands) wire(sub, `${path} ${sub.name()}`);
  };
  wire(program, 'parker');
  return program;
}

/** Config defaults for the options of the command about to run that the user did not give. */
function applyConfig(action: Command, config: ParkerConfig): void {
  const source = (key: string) => action.getOptionValueSource(key);
  const has = (key: string) => action.options.some((o) => o.attributeName() === key);
  const machineGiven = ['machine', 'root', 'synthetic', 'from'].some((k) => source(k) !== undefined);
  if (config.machine && has('machine') && !machineGiven) action.setOptionValueWithSource('machine', config.machine, 'config');
  const output = action.options.find((o) => o.attributeName() === 'output');
  if (config.output && output && source('output') === 'default' && output.argChoices?.includes(config.output)) action.setOptionValueWithSource('output', config.output, 'config');
  if (config['state-dir'] && has('stateDir') && source('stateDir') === undefined && !process.env.PARKER_STATE_DIR) action.setOptionValueWithSource('stateDir', config['state-dir'], 'config');
}

/** Prints a user error without a stack trace: code, what went wrong, what to do next. */
export function describeError(error: unknown, verbose = false): string {
  if (error instanceof ParkerError) {
    const cause = verbose && error.cause ? `  ${pc.dim('cause:')} ${withoutControls(String((error.cause as Error)?.stack ?? error.cause))}\n` : '';
    return `${pc.red('error')} ${error.code}: ${withoutControls(error.message)}\n${error.hint ? `  ${pc.dim('fix:')} ${withoutControls(error.hint)}\n` : ''}${cause}`;
  }
  if (error instanceof KernelError) {
    return `${pc.red('error')} E_KERNEL: the machine refused: ${withoutControls(error.message)}\n`;
  }
  return `${pc.red('internal error')} ${(error as Error)?.stack ?? String(error)}\n`;
}

async function askOnTerminal(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = readline().createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export async function main(argv: string[], ctx?: Partial<CommandContext>): Promise<number> {
  let exitCode: number = EXIT.ok;
  const context: CommandContext = {
    out: (t) => process.stdout.write(terminalSafe(t)),
    err: (t) => process.stderr.write(terminalSafe(t)),
    version: packageVersion(),
    now: () => new Date(),
    setExitCode: (code) => (exitCode = code),
    isTTY: Boolean(process.stdout.isTTY),
    confirm: askOnTerminal,
    ...ctx,
  };
  // Errors are reported whatever --quiet says.
  const report = context.err;
  let args = argv.slice(2);
  try {
    // A command's own flags may come before its name (`parker --state-dir DIR status`).
    args = flagsAfterCommand(args);
    // Only the command that runs is loaded (and built); help and mistakes get them all.
    const named = commandToRun(args);
    await (await buildProgram(context, named)).parseAsync([...argv.slice(0, 2), ...args]);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : errorExit(EXIT.usage, args);
    }
    report(describeError(error, context.verbose));
    return errorExit(exitCodeFor(error), args);
  }
}

/**
 * The exit status of a command that failed. A command line that asks for `--detailed-exitcode`
 * (plan's) keeps 2 for "there are changes", as terraform does: an error that would exit 2 exits
 * 1 there, or a script that applies on 2 would apply after a mistyped flag. Wherever the flag
 * stands: a mistake before the command's name can hide which command it is.
 */
function errorExit(code: number, args: readonly string[]): number {
  return code === EXIT.usage && args.some((a) => /^--detailed-exitcode(=|$)/.test(a)) ? EXIT.invalid : code;
}
