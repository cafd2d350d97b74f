import { COMMAND_SPECS, GLOBAL_FLAGS, type CommandSpec } from './command-specs.js';
import { flagsOf } from './command-from-spec.js';

/** The names a command's flags answer to ("-o", "--output"), and whether each takes a value. */
function flagNames(spec: CommandSpec): Map<string, boolean> {
  const names = new Map<string, boolean>();
  for (const flag of flagsOf(spec)) {
    const takesValue = /[<[]/.test(flag.flags);
    for (const name of flag.flags.split(/[ ,]+/).filter((w) => w.startsWith('-'))) names.set(name, takesValue);
  }
  return names;
}

/**
 * A command line with the command's own flags, given before its name, moved after it:
 * `parker --state-dir DIR status` as `parker status --state-dir DIR`, as kubectl takes
 * `kubectl -n NS get pods`. For a command with subcommands (`sim create`) they go after the
 * subcommand. Only when every flag before the name is one that command takes; anything else
 * (the global -q and -v, an unknown flag, no command) is left as it was, for commander to read
 * or to refuse.
 */
export function flagsAfterCommand(args: readonly string[]): string[] {
  const before: string[][] = [];
  const globals: string[] = [];
  const global = new Set(GLOBAL_FLAGS.flatMap((f) => f.flags.split(/[ ,]+/).filter((w) => w.startsWith('-'))));
  let at = 0;
  // Every flag any command takes, to know which of them take a value.
  const known = new Map<string, boolean>();
  for (const spec of COMMAND_SPECS) for (const s of [spec, ...(spec.subcommands ?? [])]) for (const [name, value] of flagNames(s)) known.set(name, value);
  while (at < args.length && args[at]!.startsWith('-') && args[at] !== '--') {
    const word = args[at]!;
    const name = word.includes('=') ? word.slice(0, word.indexOf('=')) : word;
    if (global.has(word)) {
      globals.push(word);
      at += 1;
      continue;
    }
    const takesValue = known.get(name);
    if (takesValue === undefined) return [...args];
    const length = takesValue && !word.includes('=') ? 2 : 1;
    before.push(args.slice(at, at + length));
    at += length;
  }
  const spec = COMMAND_SPECS.find((s) => s.name === args[at]);
  if (before.length === 0 || !spec) return [...args];
  const sub = spec.subcommands?.find((s) => s.name === args[at + 1]);
  const target = sub ?? spec;
  const accepted = flagNames(target);
  if (!before.every(([word]) => accepted.has(word!.includes('=') ? word!.slice(0, word!.indexOf('=')) : word!))) return [...args];
  const head = sub ? args.slice(at, at + 2) : [args[at]!];
  return [...globals, ...head, ...before.flat(), ...args.slice(at + head.length)];
}
