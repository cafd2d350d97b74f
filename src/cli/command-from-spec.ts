import { Command, Option } from 'commander';
import { MACHINE_FLAGS, type CommandSpec, type FlagSpec } from './command-specs.js';

function optionOf(flag: FlagSpec): Option {
  const option = new Option(flag.flags, flag.description);
  if (flag.choices) option.choices([...flag.choices]);
  if (flag.default !== undefined) option.default(flag.default);
  if (flag.required) option.makeOptionMandatory();
  if (flag.hidden) option.hideHelp();
  return option;
}

/** The -o flag of a command that prints data. */
function outputFlag(formats: readonly string[]): FlagSpec {
  return { flags: '-o, --output <format>', description: 'output format', choices: formats, default: formats[0]! };
}

/** The names a flag answers to: "-o, --output <format>" -> ["-o", "--output"]. */
export function flagNamesOf(flag: FlagSpec): string[] {
  return flag.flags.split(/[ ,]+/).filter((w) => w.startsWith('-'));
}

/** Whether a flag takes a value ("<value>" or "[value]"). */
export function takesValue(flag: FlagSpec): boolean {
  return /[<[]/.test(flag.flags);
}

/** Every flag a command takes, in the order help and docs show them. */
export function flagsOf(spec: CommandSpec): FlagSpec[] {
  return [...(spec.output ? [outputFlag(spec.output)] : []), ...(spec.flags ?? []), ...(spec.machineFlags ? MACHINE_FLAGS : [])];
}

/** "Exit status: 0 done, 2 usage, ..." */
export function exitText(spec: CommandSpec): string {
  return (spec.exit ?? []).map(([code, meaning]) => `${code} ${meaning}`).join(', ');
}

/** A commander Command with the spec's arguments, flags and help text; the caller adds the action. */
export function commandFromSpec(spec: CommandSpec): Command {
  const command = new Command(spec.name).description(spec.summary);
  for (const arg of spec.args ?? []) command.argument(arg.optional ? `[${arg.name}]` : `<${arg.name}>`, arg.description);
  for (const flag of flagsOf(spec)) command.addOption(optionOf(flag));
  const after = [spec.notes, spec.exit ? `Exit status: ${exitText(spec)}.` : undefined].filter((t) => t !== undefined);
  if (after.length) command.addHelpText('after', `\n${after.join('\n\n')}`);
  return command;
}
