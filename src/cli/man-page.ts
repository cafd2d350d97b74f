import { EXIT_MEANINGS } from '../units/error-codes.js';
import { COMMAND_SPECS, GLOBAL_FLAGS, MACHINE_FLAGS, type CommandSpec, type FlagSpec } from './command-specs.js';
import { flagsOf } from './command-from-spec.js';

/**
 * parker(1), generated from the command specs like docs/cli.md (`npm run docs:cli` writes
 * man/parker.1; test/cli-doc.test.ts checks it exactly). Shipped in the package (`man` field).
 */

/** roff-safe text: backslashes, leading dots and quotes, and hyphens that are minus signs in flags. */
const roff = (text: string) => text.replaceAll('\\', '\\e').replace(/^([.'])/gm, '\\&$1');
const flagName = (flags: string) => roff(flags).replaceAll('-', '\\-');

function flagItem(flag: FlagSpec): string[] {
  const extra = [flag.choices ? `one of ${flag.choices.join(', ')}` : '', flag.default !== undefined ? `default ${flag.default}` : ''].filter(Boolean);
  return ['.TP', `.B ${flagName(flag.flags)}`, roff(flag.description) + (extra.length ? ` (${extra.join('; ')})` : '') + '.'];
}

function commandItem(spec: CommandSpec, parent?: CommandSpec): string[] {
  const args = (spec.args ?? []).map((a) => (a.optional ? `[${a.name.toUpperCase()}]` : a.name.toUpperCase()));
  const lines = [`.SS "parker ${[parent?.name, spec.name, ...args].filter(Boolean).join(' ')}"`, roff(spec.summary.charAt(0).toUpperCase() + spec.summary.slice(1)) + '.'];
  for (const flag of flagsOf(spec).filter((f) => !f.hidden && !(spec.machineFlags && MACHINE_FLAGS.includes(f)))) lines.push(...flagItem(flag));
  if (spec.machineFlags) lines.push('.PP', 'Takes the machine flags.');
  if (spec.notes) lines.push('.PP', roff(spec.notes));
  if (spec.exit?.length) lines.push('.PP', roff(`Exit status: ${spec.exit.map(([code, meaning]) => `${code} ${meaning}`).join('; ')}.`));
  for (const sub of spec.subcommands ?? []) lines.push(...commandItem(sub, spec));
  return lines;
}

export function renderManPage(): string {
  return [
    '.TH PARKER 1 "" "parker" "User Commands"',
    '.SH NAME',
    'parker \\- partition one Linux server into several independent kernels',
    '.SH SYNOPSIS',
    '.B parker',
    '.I command',
    '[\\fIarguments\\fR] [\\fIflags\\fR]',
    '.SH DESCRIPTION',
    'parker discovers a machine, validates a layout of application kernels (including the machine\\-global hazards of running several kernels without a supervisor), places them, plans the kernel operations and applies them transactionally through the Parker control filesystem. Its default machine is a simulated 256\\-CPU server.',
    '.SH GLOBAL FLAGS',
    ...GLOBAL_FLAGS.flatMap(flagItem),
    '.SH MACHINE FLAGS',
    'Exactly one of the first four chooses the machine; without any, parker drives this computer when it runs a Parker boot kernel and the simulated server otherwise.',
    ...MACHINE_FLAGS.flatMap(flagItem),
    '.SH COMMANDS',
    ...COMMAND_SPECS.flatMap((spec) => commandItem(spec)),
    '.SH EXIT STATUS',
    ...EXIT_MEANINGS.flatMap((e) => ['.TP', `.B ${e.status}`, roff(e.meaning.replaceAll('`', ''))]),
    '.SH FILES',
    '.TP',
    '.I /etc/parker/config.yaml, $XDG_CONFIG_HOME/parker/config.yaml',
    'defaults for flags nobody typed: machine, output, state\\-dir ($PARKER_CONFIG names one file instead)',
    '.TP',
    '.I /var/lib/parker',
    'the journal, the applied layout and the recorded hardware of a real host (the lock lives in /run/parker)',
    '.TP',
    '.I $XDG_STATE_HOME/parker',
    'the simulated machine and its journal',
    '.SH SEE ALSO',
    'lstopo(1), kexec(8)',
    '',
  ].join('\n');
}
