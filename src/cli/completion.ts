import { COMMAND_SPECS, GLOBAL_FLAGS, MACHINE_FLAGS, type ArgSpec, type CommandSpec, type FlagSpec } from './command-specs.js';
import { flagNamesOf, flagsOf, takesValue } from './command-from-spec.js';

/**
 * Shell completion scripts, generated from the command specs: commands, subcommands, each
 * command's flags and their choices, layout files, and kernel names (asked of
 * `parker completion --kernels`, which lists the applied layout's kernels and the partitions).
 */

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** Every long and short flag of a command ("-o --output --machine ..."). */
function flagWords(spec: CommandSpec): string[] {
  return flagsOf(spec).filter((f) => !f.hidden).flatMap(flagNamesOf);
}

/** Every flag of any command that takes a value, as a shell pattern ("-o|--output|..."): what the scripts skip with its value while they look for the command. */
const VALUE_FLAG_NAMES = [...new Set(COMMAND_SPECS.flatMap((spec) => flagsOf(spec).filter(takesValue).flatMap(flagNamesOf)))];
const VALUE_FLAGS = VALUE_FLAG_NAMES.join('|');
/** The long flags that take a value: the ones written --flag=value (commander reads -o=json as "=json"). */
const LONG_VALUE_FLAGS = VALUE_FLAG_NAMES.filter((name) => name.startsWith('--')).join('|');

/** The flags that choose the machine ("--machine", "--root", ...): passed on to `parker completion --kernels`. */
const MACHINE_FLAG_NAMES = MACHINE_FLAGS.flatMap(flagNamesOf);

/** What may come before the command: the global flags, the machine flags, help and version. */
const BEFORE_COMMAND: readonly FlagSpec[] = [...GLOBAL_FLAGS, ...MACHINE_FLAGS, { flags: '-h, --help', description: 'show help' }, { flags: '-V, --version', description: 'print the version' }];

/** What completes a word: these words, the kernel names of the machine the line names, directories, files, or nothing. */
type Completion = { words: readonly string[] } | 'kernels' | 'dirs' | 'files' | 'nothing';

/** What completes a flag's value: its choices, directories or files. */
function flagValue(flag: FlagSpec): Completion {
  const choices = flag.choices ?? (flagNamesOf(flag).includes('--machine') ? ['sim', 'host'] : null);
  if (choices) return { words: choices };
  if (/<dir>/.test(flag.flags)) return 'dirs';
  if (/<(file|archive|layout|path)>/.test(flag.flags)) return 'files';
  return 'nothing';
}

/** What completes an argument: kernel names, a layout file, the words it is one of ("a | b | c"), or nothing. */
function argumentValue(arg: ArgSpec): Completion {
  if (arg.name === 'name') return 'kernels';
  if (arg.name === 'layout') return 'files';
  if (/^[\w-]+( \| [\w-]+)+$/.test(arg.description)) return { words: arg.description.split(' | ') };
  return 'nothing';
}

/** Each of a command's arguments by position, as a shell's `case` on the count of arguments before it ('' when none completes). */
function argumentCase(spec: CommandSpec, render: (c: Completion) => string): string {
  const arms = (spec.args ?? []).map((arg, i) => [i, argumentValue(arg)] as const).filter(([, c]) => c !== 'nothing');
  return arms.length ? `      case $args in ${arms.map(([i, c]) => `${i}) ${render(c)} ;;`).join(' ')} esac` : '';
}

/** The shell `case` arms that complete flag values after `prev`, each returning. */
function valueArms(flags: readonly FlagSpec[], render: (c: Completion) => string, indent: string): string[] {
  return flags.filter(takesValue).map((flag) => `${indent}${flagNamesOf(flag).join('|')}) ${render(flagValue(flag))}; return ;;`);
}

const BASH_KERNELS = '$(parker completion --kernels "${machine[@]}" 2>/dev/null)';

/** A bash flag value, as COMPREPLY. */
function bashValue(c: Completion): string {
  if (c === 'nothing') return 'COMPREPLY=()';
  const compgen = c === 'kernels' ? `-W "${BASH_KERNELS}"` : c === 'dirs' ? '-d' : c === 'files' ? '-f' : `-W "${c.words.join(' ')}"`;
  return `COMPREPLY=($(compgen ${compgen} -- "$cur"))`;
}

/** A bash argument, as the variables the end of the script completes from. */
function bashArgument(c: Completion): string {
  return c === 'files' ? 'files=1' : c === 'kernels' ? `words=${BASH_KERNELS}` : typeof c === 'object' ? `words="${c.words.join(' ')}"` : ':';
}

/** The bash case of one command (or `sim create`): its value flags, its flags, what its arguments are. */
function bashCase(label: string, spec: CommandSpec): string {
  const lines = [`    ${label})`, '      case "$prev" in', ...valueArms(flagsOf(spec), bashValue, '        '), '      esac', `      flags="${flagWords(spec).join(' ')}"`, argumentCase(spec, bashArgument), '      ;;'];
  return lines.filter(Boolean).join('\n');
}

function bash(): string {
  const names = COMMAND_SPECS.map((s) => s.name).join(' ');
  const cases = COMMAND_SPECS.flatMap((spec) => {
    const subs = spec.subcommands ?? [];
    if (subs.length === 0) return [bashCase(spec.name, spec)];
    return [`    ${spec.name})\n      COMPREPLY=($(compgen -W "${subs.map((s) => s.name).join(' ')}" -- "$cur")); return ;;`, ...subs.map((sub) => bashCase(`${spec.name}\\ ${sub.name}`, sub))];
  }).join('\n');
  return `# bash completion for parker: source it, or put it in /etc/bash_completion.d/parker
_parker() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} flags= words= files= cmd= args=0 i w v
  local -a machine=()
  # A value right after --flag= is completed as after --flag: bash makes the = a word of its
  # own, the current one until the value has a character. A flag that takes no value has none.
  if [ "$cur" = = ]; then
    case "$prev" in ${LONG_VALUE_FLAGS}) cur= ;; esac
  elif [ "$prev" = = ]; then
    case "\${COMP_WORDS[COMP_CWORD-2]}" in ${LONG_VALUE_FLAGS}) prev=\${COMP_WORDS[COMP_CWORD-2]} ;; --*) return ;; esac
  fi
  # The command (and a subcommand), the first words that are no flag or flag value, and how
  # many arguments follow it. The flags that choose the machine, wherever they are, are passed
  # on to \`parker completion --kernels\`.
  # Bash splits --flag=value into three words (= is in COMP_WORDBREAKS): the = is skipped.
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    [ "\${COMP_WORDS[i+1]}" = = ] && [[ $w == --* ]] && ((i++))
    case "$w" in
      ${MACHINE_FLAG_NAMES.join('|')}) v=\${COMP_WORDS[i+1]}; machine+=("$w" "\${v/#\\~/$HOME}"); ((i++)) ;;
      ${MACHINE_FLAG_NAMES.map((n) => `${n}=*`).join('|')}) v=\${w#*=}; machine+=("\${w%%=*}=\${v/#\\~/$HOME}") ;;
      ${VALUE_FLAGS}) [ "$cmd" = console ] && [ "$w" = -f ] || ((i++)) ;;
      -*) ;;
      *) if [ -z "$cmd" ]; then cmd=$w; elif [ "$cmd" = sim ]; then cmd="sim $w"; else ((args++)); fi ;;
    esac
  done
  if [ -z "$cmd" ]; then
    case "$prev" in
${valueArms(BEFORE_COMMAND, bashValue, '      ').join('\n')}
    esac
    if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "${BEFORE_COMMAND.flatMap(flagNamesOf).join(' ')}" -- "$cur")); else COMPREPLY=($(compgen -W "${names}" -- "$cur")); fi
    return
  fi
  case "$cmd" in
${cases}
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  elif [ -n "$words" ]; then
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  elif [ -n "$files" ]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -F _parker parker
`;
}

/** A zsh flag value or argument. */
function zshValue(c: Completion): string {
  if (c === 'nothing') return ':';
  if (c === 'kernels') return 'compadd -- $(parker completion --kernels "${machine[@]}" 2>/dev/null)';
  return c === 'dirs' ? '_files -/' : c === 'files' ? '_files' : `compadd -- ${c.words.join(' ')}`;
}

/** The zsh case of one command (or `sim create`): its value flags, its flags, what its arguments are. */
function zshCase(label: string, spec: CommandSpec): string {
  const lines = [`    ${label})`, '      case $prev in', ...valueArms(flagsOf(spec), zshValue, '        '), '      esac', `      if [[ $PREFIX == -* ]]; then compadd -- ${flagWords(spec).join(' ')}; return; fi`, argumentCase(spec, zshValue), '      ;;'];
  return lines.filter(Boolean).join('\n');
}

function zsh(): string {
  const commands = COMMAND_SPECS.map((s) => `    '${s.name}:${s.summary.replaceAll("'", "'\\''").replaceAll(':', '\\:')}'`).join('\n');
  const cases = COMMAND_SPECS.flatMap((spec) => {
    const subs = spec.subcommands ?? [];
    if (subs.length === 0) return [zshCase(spec.name, spec)];
    return [`    ${spec.name}) compadd -- ${subs.map((s) => s.name).join(' ')} ;;`, ...subs.map((sub) => zshCase(`'${spec.name} ${sub.name}'`, sub))];
  }).join('\n');
  return `#compdef parker
# zsh completion for parker: put it on $fpath as _parker
_parker() {
  local -a commands machine
  commands=(
${commands}
  )
  # The command (and a subcommand), the first words that are no flag or flag value, and how
  # many arguments follow it. The flags that choose the machine, wherever they are, are passed
  # on to \`parker completion --kernels\`.
  local cmd= args=0 i prev=$words[CURRENT-1]
  # A value right after --flag= is completed as after --flag, the flag and its first = kept
  # (the value may hold one too).
  if [[ $PREFIX == (${LONG_VALUE_FLAGS})=* ]]; then prev=\${PREFIX%%=*}; compset -P 1 '*='; fi
  for ((i = 2; i < CURRENT; i++)); do
    case $words[i] in
      ${MACHINE_FLAG_NAMES.join('|')}) machine+=($words[i] \${words[i+1]/#\\~/$HOME}); ((i++)) ;;
      ${MACHINE_FLAG_NAMES.map((n) => `${n}=*`).join('|')}) machine+=(\${words[i]/=\\~/\\=$HOME}) ;;
      ${VALUE_FLAGS}) [[ $cmd == console && $words[i] == -f ]] || ((i++)) ;;
      -*) ;;
      *) if [[ -z $cmd ]]; then cmd=$words[i]; elif [[ $cmd == sim ]]; then cmd="sim $words[i]"; else ((args++)); fi ;;
    esac
  done
  if [[ -z $cmd ]]; then
    case $prev in
${valueArms(BEFORE_COMMAND, zshValue, '      ').join('\n')}
    esac
    if [[ $PREFIX == -* ]]; then compadd -- ${BEFORE_COMMAND.flatMap(flagNamesOf).join(' ')}; else _describe 'command' commands; fi
    return
  fi
  case $cmd in
${cases}
  esac
}
_parker "$@"
`;
}

/** A description as fish shows it beside a word: its first clause, cut at a word when long, quoted for fish. */
function fishText(text: string, max = 60): string {
  // The first clause ends at a colon or semicolon outside parentheses.
  const first = text.split(/[:;] (?![^(]*\))/)[0]!.trim();
  const short = first.length <= max ? first : `${first.slice(0, first.lastIndexOf(' ', max))}…`;
  return `'${short.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

const FISH_KERNELS = '(parker completion --kernels (__parker_machine_flags) 2>/dev/null)';

/** A fish flag value (`-x` alone: a value nothing completes) or argument ('' when none). */
function fishValue(c: Completion, flag: boolean): string {
  if (c === 'nothing') return flag ? ' -x' : '';
  if (c === 'files') return flag ? ' -r -F' : ' -F';
  const words = c === 'kernels' ? FISH_KERNELS : c === 'dirs' ? '(__fish_complete_directories (commandline -ct))' : c.words.join(' ');
  return `${flag ? ' -x' : ''} -a '${words}'`;
}

/** The fish lines for a command's flags under `condition`: long and short names, and what completes their values. */
function fishFlags(condition: string, flags: readonly FlagSpec[]): string[] {
  return flags
    .filter((f) => !f.hidden)
    .flatMap((flag) => {
      const long = flag.flags.match(/--([\w-]+)/)?.[1];
      const short = flag.flags.match(/(?:^|[ ,])-(\w)\b/)?.[1];
      if (!long) return [];
      const value = takesValue(flag) ? fishValue(flagValue(flag), true) : '';
      return [`complete -c parker -n '${condition}' -l ${long}${short ? ` -s ${short}` : ''}${value} -d ${fishText(flag.description)}`];
    });
}

function fish(): string {
  const valueFlags = VALUE_FLAGS.split('|').join(' ');
  const lines = [
    '# fish completion for parker: put it in ~/.config/fish/completions/parker.fish',
    'complete -c parker -f',
    '# The command (and a subcommand), then how many arguments follow it: the words that are no',
    '# flag or flag value, as the command line reads so far.',
    'function __parker_command',
    '    set -l words (commandline -opc)',
    '    set -e words[1]',
    '    set -l cmd',
    '    set -l args 0',
    '    while set -q words[1]',
    '        set -l w $words[1]',
    '        set -e words[1]',
    '        switch $w',
    '            case -f',
    '                # console -f is --follow; everywhere else -f takes a file.',
    '                test "$cmd" = console; or begin; set -q words[1]; and set -e words[1]; end',
    `            case ${valueFlags}`,
    '                set -q words[1]; and set -e words[1]',
    "            case '-*'",
    '            case \'*\'',
    '                if test -z "$cmd"',
    '                    set cmd $w',
    '                else if test "$cmd" = sim',
    '                    set cmd "sim $w"',
    '                else',
    '                    set args (math $args + 1)',
    '                end',
    '        end',
    '    end',
    '    printf "%s\\n" "$cmd" $args',
    'end',
    '# __parker_is CMD [N]: the command is CMD ("" before it), and N arguments follow it when N is given.',
    'function __parker_is',
    '    set -l at (__parker_command)',
    '    test "$at[1]" = "$argv[1]"; or return 1',
    '    not set -q argv[2]; or test "$at[2]" = "$argv[2]"',
    'end',
    '# The flags on the command line that choose the machine, wherever they are: passed on to',
    '# `parker completion --kernels`, so that kernel names are those of that machine.',
    'function __parker_machine_flags',
    '    set -l words (commandline -opc)',
    '    set -e words[1]',
    '    while set -q words[1]',
    '        switch $words[1]',
    `            case ${MACHINE_FLAG_NAMES.join(' ')}`,
    '                set -q words[2]; and printf "%s\\n" $words[1] (string replace -r \'^~(?=/|$)\' $HOME -- $words[2])',
    '                set -e words[1]',
    `            case ${MACHINE_FLAG_NAMES.map((n) => `'${n}=*'`).join(' ')}`,
    '                string replace -r \'=~(?=/|$)\' "=$HOME" -- $words[1]',
    '        end',
    '        set -q words[1]; and set -e words[1]',
    '    end',
    'end',
    '# Before the command: the commands, and the flags any command takes there.',
    ...COMMAND_SPECS.map((spec) => `complete -c parker -n '__parker_is ""' -a ${spec.name} -d ${fishText(spec.summary)}`),
    ...fishFlags('__parker_is ""', BEFORE_COMMAND),
  ];
  const commandLines = (label: string, spec: CommandSpec) => {
    lines.push(...fishFlags(`__parker_is "${label}"`, flagsOf(spec)));
    (spec.args ?? []).forEach((arg, i) => {
      const words = fishValue(argumentValue(arg), false);
      if (words) lines.push(`complete -c parker -n '__parker_is "${label}" ${i}'${words}`);
    });
  };
  for (const spec of COMMAND_SPECS) {
    const subs = spec.subcommands ?? [];
    for (const sub of subs) {
      lines.push(`complete -c parker -n '__parker_is ${spec.name}' -a ${sub.name} -d ${fishText(sub.summary)}`);
      commandLines(`${spec.name} ${sub.name}`, sub);
    }
    if (subs.length === 0) commandLines(spec.name, spec);
  }
  return lines.join('\n') + '\n';
}

export function completionScript(shell: Shell): string {
  return shell === 'bash' ? bash() : shell === 'zsh' ? zsh() : fish();
}
