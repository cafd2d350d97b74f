import { EXIT_MEANINGS } from '../units/error-codes.js';
import { COMMAND_SPECS, GLOBAL_FLAGS, MACHINE_FLAGS, type CommandSpec, type FlagSpec } from './command-specs.js';
import { flagsOf } from './command-from-spec.js';

/**
 * docs/cli.md, generated from the command specs (./command-specs.ts): write it with
 * `npm run docs:cli` (scripts/cli-doc.mjs); test/cli-doc.test.ts checks that the file is
 * exactly this, so help and docs cannot drift apart.
 */

const cell = (text: string) => text.replaceAll('|', '\\|');

function usage(spec: CommandSpec, parent?: CommandSpec): string {
  const args = (spec.args ?? []).map((a) => (a.optional ? `[${a.name.toUpperCase()}]` : a.name.toUpperCase()));
  return [parent?.name, spec.name, ...args].filter(Boolean).join(' ');
}

function flagRow(flag: FlagSpec): string {
  const extra = [flag.choices ? `one of ${flag.choices.join(', ')}` : '', flag.default !== undefined ? `default ${flag.default}` : '', flag.required ? 'required' : ''].filter(Boolean);
  return `| \`${cell(flag.flags)}\` | ${cell(flag.description)}${extra.length ? ` (${extra.join('; ')})` : ''} |`;
}

function section(spec: CommandSpec, parent?: CommandSpec): string[] {
  const own = flagsOf(spec).filter((f) => !f.hidden && !(spec.machineFlags && MACHINE_FLAGS.includes(f)));
  const lines = [`### \`parker ${usage(spec, parent)}\``, '', spec.summary.charAt(0).toUpperCase() + spec.summary.slice(1) + '.', ''];
  for (const arg of spec.args ?? []) lines.push(`- \`${arg.name.toUpperCase()}\`${arg.optional ? ' (optional)' : ''}: ${arg.description}`);
  if (spec.args?.length) lines.push('');
  if (own.length) lines.push('| flag | meaning |', '|---|---|', ...own.map(flagRow), '');
  if (spec.machineFlags) lines.push('Takes the machine flags (above).', '');
  if (spec.notes) lines.push(spec.notes, '');
  if (spec.exit?.length) lines.push(`Exit status: ${spec.exit.map(([code, meaning]) => `${code} ${meaning}`).join('; ')}.`, '');
  for (const sub of spec.subcommands ?? []) lines.push(...section(sub, spec));
  return lines;
}

export function renderCliDoc(): string {
  const lines = [
    '# The parker command line',
    '',
    '<!-- Generated from src/cli/command-specs.ts by `npm run docs:cli`; edit the specs, not this file. -->',
    '',
    '```',
    'parker <command> [arguments] [flags]',
    '```',
    '',
    'Run `parker <command> --help` for the same text as below. `npm start` runs `parker demo`.',
    '',
    '## Choosing a machine',
    '',
    'Every command that reads or changes a machine takes these flags; exactly one of the first four',
    'chooses the machine. With none of them, parker drives this computer when it runs a Parker boot',
    'kernel (`/sys/fs/parker` exists) and the simulated server otherwise. Every output names the',
    'machine it describes. On a real host, `apply`, `start`, `stop` and `destroy` open `/sys`',
    'writable only after confirmation (`--yes`, or "y" typed at a terminal); `recover` does not ask,',
    'since rolling back what a crash left is what it was asked to do.',
    '',
    '| flag | meaning |',
    '|---|---|',
    ...MACHINE_FLAGS.map(flagRow),
    '',
    'Output: `-o table` (default, for people: at a terminal, cut to its width), `-o wide` (the',
    'same table with nothing cut, and `discover`\'s device names in full; through a pipe, `table`',
    'cuts nothing either), `-o json` and `-o yaml` (the same data; shapes are versioned by their',
    '`schema` field, documented in [output.md](output.md)).',
    '',
    'A command stopped by a signal (Ctrl-C, SIGTERM) ends as the signal ends it (a shell says',
    'exit 130 or 143). A change stopped midway (apply, start, stop, destroy) is left as an',
    'unfinished transaction in the journal: `parker status` says so, and the next command that',
    'changes the machine, or `parker recover`, rolls it back first. A lock such a command held',
    'is taken over by the next one, once its holder is proved gone.',
    '',
    "A command's flags may also come before its name: `parker --state-dir DIR status` is",
    '`parker status --state-dir DIR`.',
    '',
    '## Global flags',
    '',
    'Every command takes these, before or after its name:',
    '',
    '| flag | meaning |',
    '|---|---|',
    ...GLOBAL_FLAGS.map(flagRow),
    '',
    '## Config files',
    '',
    'Defaults for flags nobody typed come from `/etc/parker/config.yaml`, then the user\'s',
    '`$XDG_CONFIG_HOME/parker/config.yaml` (`~/.config/parker/config.yaml`), the later winning;',
    '`$PARKER_CONFIG` names one file instead of both. Flags and `$PARKER_STATE_DIR` win over them.',
    'Settings: `machine` (`sim` or `host`), `output` (`table`, `wide`, `json`, `yaml`; used where a',
    'command offers it), `state-dir`. An unknown setting or value is an error (E_CONFIG).',
    '',
    '```yaml',
    '# /etc/parker/config.yaml on a Parker host',
    'machine: host',
    'output: table',
    '```',
    '',
    '## Commands',
    '',
    '| command | what it does |',
    '|---|---|',
    ...COMMAND_SPECS.flatMap((spec) => [spec, ...(spec.subcommands ?? []).map((sub) => ({ ...sub, name: `${spec.name} ${sub.name}` }))]).map(
      (spec) => `| \`${cell(spec.name)}\` | ${cell(spec.summary)} |`,
    ),
    '',
    ...COMMAND_SPECS.flatMap((spec) => section(spec)),
    '## Exit statuses',
    '',
    '| status | meaning |',
    '|---|---|',
    ...EXIT_MEANINGS.map((e) => `| ${e.status} | ${cell(e.meaning)} |`),
    '',
    'Error codes are listed in [errors.md](errors.md).',
    '',
  ];
  return lines.join('\n');
}
