import * as fs from 'node:fs';
import * as readline from 'node:readline/promises';
import { Command, CommanderError } from 'commander';
import pc from 'picocolors';
import { ParkerError } from '../units/parker-error.js';
import { KernelError } from '../machines/kernel-error.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import type { CommandContext } from './command-context.js';
import { discoverCommand } from './discover-command.js';
import { gatherCommand } from './gather-command.js';
import { schemaCommand } from './schema-command.js';
import { validateCommand } from './validate-command.js';
import { planCommand } from './plan-command.js';
import { applyCommand } from './apply-command.js';
import { statusCommand } from './status-command.js';
import { consoleCommand } from './console-command.js';
import { simCommand } from './sim-command.js';
import { demoCommand } from './demo-command.js';
import { destroyCommand, recoverCommand, startCommand, stopCommand } from './lifecycle-commands.js';

function packageVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(ctx: CommandContext): Command {
  const program = new Command('parker')
    .description('partition one Linux server into several independent kernels')
    .version(ctx.version)
    .showHelpAfterError()
    .configureOutput({ writeOut: ctx.out, writeErr: ctx.err })
    .exitOverride();
  for (const make of [
    discoverCommand,
    gatherCommand,
    validateCommand,
    planCommand,
    applyCommand,
    statusCommand,
    startCommand,
    stopCommand,
    consoleCommand,
    destroyCommand,
    recoverCommand,
    simCommand,
    schemaCommand,
  ]) {
    program.addCommand(make(ctx).exitOverride().configureOutput({ writeOut: ctx.out, writeErr: ctx.err }));
  }
  // The demo runs the other commands exactly as a user would type them.
  program.addCommand(
    demoCommand(ctx, async (args, capture) => {
      let out = '';
      // Each command keeps its own exit status: pass everything but the parent's setExitCode.
      const { setExitCode: _parent, ...inherited } = ctx;
      const code = await main(['node', 'parker', ...args], capture ? { ...inherited, out: (t) => (out += t) } : inherited);
      return { code, out };
    }),
  );
  return program;
}

/** Prints a user error without a stack trace: code, what went wrong, what to do next. */
export function describeError(error: unknown): string {
  if (error instanceof ParkerError) {
    return `${pc.red('error')} ${error.code}: ${error.message}\n${error.hint ? `  ${pc.dim('fix:')} ${error.hint}\n` : ''}`;
  }
  if (error instanceof KernelError) {
    return `${pc.red('error')} E_KERNEL: the machine refused: ${error.message}\n`;
  }
  return `${pc.red('internal error')} ${(error as Error)?.stack ?? String(error)}\n`;
}

async function askOnTerminal(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
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
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    version: packageVersion(),
    now: () => new Date(),
    setExitCode: (code) => (exitCode = code),
    isTTY: Boolean(process.stdout.isTTY),
    confirm: askOnTerminal,
    ...ctx,
  };
  try {
    await buildProgram(context).parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    context.err(describeError(error));
    return exitCodeFor(error);
  }
}
