import { COMMAND_SPECS, GLOBAL_FLAGS, type CommandSpec } from './command-specs.js';
import { flagNamesOf, flagsOf, takesValue } from './command-from-spec.js';

/** The names a command's flags answer to ("-o", "--output"), and whether each takes a value. */
function flagNames(spec: CommandSpec): Map<string, boolean> {
  return new Map(flagsOf(spec).flatMap((flag) => flagNamesOf(flag).map((name) => [name, takesValue(flag)] as const)));
}

const GLOBAL = new Set(GLOBAL_FLAGS.flatMap(flagNamesOf));
const nameOf = (word: string) => (word.includes('=') ? word.slice(0, word.indexOf('=')) : word);

/**
 * The command line read as `spec`'s (a command, or `sim SUB`): its flags before the command's
 * name moved after the name (and the subcommand's), the global ones first; null when the words
 * before the name are not all flags of that command (a flag's value read by that command's own
 * arity: `-f` is a file to gather and sim image, --follow to console).
 */
function readAs(args: readonly string[], path: readonly string[], spec: CommandSpec): string[] | null {
  const flags = flagNames(spec);
  const globals: string[] = [];
  const before: string[] = [];
  let at = 0;
  while (at < args.length && args[at]!.startsWith('-') && args[at] !== '--') {
    const word = args[at]!;
    if (GLOBAL.has(word)) {
      globals.push(word);
      at += 1;
      continue;
    }
    const takesValue = flags.get(nameOf(word));
    if (takesValue === undefined) return null;
    const length = takesValue && !word.includes('=') ? 2 : 1;
    before.push(...args.slice(at, at + length));
    at += length;
  }
  if (before.length === 0 || !path.every((name, i) => args[at + i] === name)) return null;
  return [...globals, ...path, ...before, ...args.slice(at + path.length)];
}

/**
 * A command line with the command's own flags, given before its name, moved after it:
 * `parker --state-dir DIR status` as `parker status --state-dir DIR`, as kubectl takes
 * `kubectl -n NS get pods`. For a command with subcommands (`sim create`) they go after the
 * subcommand. Only when every flag before the name is one that command takes; anything else
 * (an unknown flag, one the command does not take, no command, help) is left as it was, for
 * commander to read or to refuse.
 */
export function flagsAfterCommand(args: readonly string[]): string[] {
  // The everyday command line starts with the command: nothing to move.
  if (!args[0]?.startsWith('-')) return [...args];
  for (const spec of COMMAND_SPECS) {
    const readings = spec.subcommands?.length ? spec.subcommands.map((sub) => readAs(args, [spec.name, sub.name], sub)) : [readAs(args, [spec.name], spec)];
    const found = readings.find((r) => r !== null);
    if (found) return found;
  }
  return [...args];
}
