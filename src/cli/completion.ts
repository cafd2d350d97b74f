import { COMMAND_SPECS, type CommandSpec } from './command-specs.js';
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

const takesKernel = (spec: CommandSpec) => (spec.args ?? []).some((a) => a.name === 'name');
const takesFile = (spec: CommandSpec) => (spec.args ?? []).some((a) => a.name === 'layout');

/** Every flag of any command that takes a value, as a shell pattern ("-o|--output|..."): what the scripts skip with its value while they look for the command. */
const VALUE_FLAGS = [...new Set(COMMAND_SPECS.flatMap((spec) => flagsOf(spec).filter(takesValue).flatMap(flagNamesOf)))].join('|');

/** What completes a flag's value: its choices, directories or files. */
function valueWords(spec: CommandSpec): string[] {
  const lines: string[] = [];
  for (const flag of flagsOf(spec).filter(takesValue)) {
    const names = flagNamesOf(flag).join('|');
    const choices = flag.choices ?? (names.includes('--machine') ? ['sim', 'host'] : null);
    const reply = choices ? `compgen -W "${choices.join(' ')}" -- "$cur"` : /<dir>/.test(flag.flags) ? 'compgen -d -- "$cur"' : /<(file|archive|layout|path)>/.test(flag.flags) ? 'compgen -f -- "$cur"' : null;
    lines.push(`        ${names}) ${reply ? `COMPREPLY=($(${reply}))` : 'COMPREPLY=()'}; return ;;`);
  }
  return lines;
}

/** What completes each of a command's arguments, by position: kernel names, the words an argument is one of ("a | b | c"), or nothing. */
function argumentWords(spec: CommandSpec): string[] {
  return (spec.args ?? []).map((arg) => {
    if (arg.name === 'name') return 'words=$(parker completion --kernels "${machine[@]}" 2>/dev/null)';
    if (/^[\w-]+( \| [\w-]+)+$/.test(arg.description)) return `words="${arg.description.split(' | ').join(' ')}"`;
    return '';
  });
}

/** The bash case of one command (or `sim create`): its value flags, its flags, what its arguments are. */
function bashCase(label: string, spec: CommandSpec): string {
  const lines = [`    ${label})`, '      case "$prev" in', ...valueWords(spec), '      esac', `      flags="${flagWords(spec).join(' ')}"`];
  const words = argumentWords(spec);
  if (words.some(Boolean)) lines.push(`      case $args in ${words.map((w, i) => (w ? `${i}) ${w} ;;` : '')).filter(Boolean).join(' ')} esac`);
  if (takesFile(spec)) lines.push('      files=1');
  lines.push('      ;;');
  return lines.join('\n');
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
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} flags= words= files= cmd= args=0 i w
  local -a machine=()
  # The command (and a subcommand), the first words that are no flag or flag value, and how
  # many arguments follow it. The flags that choose the machine, wherever they are, are passed
  # on to \`parker completion --kernels\`.
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=\${COMP_WORDS[i]}
    case "$w" in
      --machine|--root|--synthetic|--from|--state-dir) machine+=("$w" "\${COMP_WORDS[i+1]}"); ((i++)) ;;
      --machine=*|--root=*|--synthetic=*|--from=*|--state-dir=*) machine+=("$w") ;;
      ${VALUE_FLAGS}) [ "$cmd" = console ] && [ "$w" = -f ] || ((i++)) ;;
      -*) ;;
      *) if [ -z "$cmd" ]; then cmd=$w; elif [ "$cmd" = sim ]; then cmd="sim $w"; else ((args++)); fi ;;
    esac
  done
  if [ -z "$cmd" ]; then
    case "$prev" in
      --machine) COMPREPLY=($(compgen -W "sim host" -- "$cur")); return ;;
      --root|--state-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
      --from) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    esac
    if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "-q --quiet -v --verbose --help --version" -- "$cur")); else COMPREPLY=($(compgen -W "${names}" -- "$cur")); fi
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

function zsh(): string {
  const commands = COMMAND_SPECS.map((s) => `    '${s.name}:${s.summary.replaceAll("'", "'\\''").replaceAll(':', '\\:')}'`).join('\n');
  const cases = COMMAND_SPECS.map((spec) => {
    const action = takesKernel(spec) ? "compadd -- $(parker completion --kernels 2>/dev/null)" : takesFile(spec) ? '_files' : spec.subcommands ? `compadd -- ${spec.subcommands.map((s) => s.name).join(' ')}` : ':';
    return `    ${spec.name}) if [[ $PREFIX == -* ]]; then compadd -- ${flagWords(spec).join(' ')}; else ${action}; fi ;;`;
  }).join('\n');
  return `#compdef parker
# zsh completion for parker: put it on $fpath as _parker
_parker() {
  local -a commands
  commands=(
${commands}
  )
  # The command: the first word that is no flag or flag value (flags may come before it).
  local cmd= i
  for ((i = 2; i < CURRENT; i++)); do
    case $words[i] in
      ${VALUE_FLAGS}) ((i++)) ;;
      -*) ;;
      *) cmd=$words[i]; break ;;
    esac
  done
  if [[ -z $cmd ]]; then
    _describe 'command' commands
    return
  fi
  case $cmd in
${cases}
  esac
}
_parker "$@"
`;
}

function fish(): string {
  const lines = ['# fish completion for parker: put it in ~/.config/fish/completions/parker.fish', 'complete -c parker -f'];
  for (const spec of COMMAND_SPECS) {
    lines.push(`complete -c parker -n __fish_use_subcommand -a ${spec.name} -d '${spec.summary.replaceAll("'", "\\'").slice(0, 80)}'`);
    for (const flag of flagsOf(spec).filter((f) => !f.hidden)) {
      const long = flag.flags.match(/--([\w-]+)/)?.[1];
      const short = flag.flags.match(/(?:^|[ ,])-(\w)\b/)?.[1];
      if (!long) continue;
      const choices = flag.choices ? ` -x -a '${flag.choices.join(' ')}'` : flag.flags.includes('<') ? ' -r' : '';
      lines.push(`complete -c parker -n '__fish_seen_subcommand_from ${spec.name}' -l ${long}${short ? ` -s ${short}` : ''}${choices} -d '${flag.description.replaceAll("'", "\\'").slice(0, 60)}'`);
    }
    for (const sub of spec.subcommands ?? []) lines.push(`complete -c parker -n '__fish_seen_subcommand_from ${spec.name}' -a ${sub.name} -d '${sub.summary.replaceAll("'", "\\'").slice(0, 60)}'`);
    if (takesKernel(spec)) lines.push(`complete -c parker -n '__fish_seen_subcommand_from ${spec.name}' -a '(parker completion --kernels 2>/dev/null)'`);
    if (takesFile(spec)) lines.push(`complete -c parker -n '__fish_seen_subcommand_from ${spec.name}' -F`);
  }
  return lines.join('\n') + '\n';
}

export function completionScript(shell: Shell): string {
  return shell === 'bash' ? bash() : shell === 'zsh' ? zsh() : fish();
}
