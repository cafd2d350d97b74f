import { COMMAND_SPECS, type CommandSpec } from './command-specs.js';
import { flagsOf } from './command-from-spec.js';

/**
 * Shell completion scripts, generated from the command specs: commands, subcommands, each
 * command's flags and their choices, layout files, and kernel names (asked of
 * `parker completion --kernels`, which lists the applied layout's kernels and the partitions).
 */

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** Every long and short flag of a command ("-o --output --machine ..."). */
function flagWords(spec: CommandSpec): string[] {
  return flagsOf(spec).filter((f) => !f.hidden).flatMap((f) => f.flags.split(/[ ,]+/).filter((w) => w.startsWith('-')));
}

const takesKernel = (spec: CommandSpec) => (spec.args ?? []).some((a) => a.name === 'name');
const takesFile = (spec: CommandSpec) => (spec.args ?? []).some((a) => a.name === 'layout');

function bash(): string {
  const names = COMMAND_SPECS.map((s) => s.name).join(' ');
  const cases = COMMAND_SPECS.map((spec) => {
    const subs = spec.subcommands?.map((s) => s.name).join(' ');
    const lines = [`    ${spec.name})`, `      flags="${flagWords(spec).join(' ')}"`];
    if (subs) lines.push(`      [ "$COMP_CWORD" -eq 2 ] && { COMPREPLY=($(compgen -W "${subs}" -- "$cur")); return; }`);
    if (takesKernel(spec)) lines.push('      words=$(parker completion --kernels 2>/dev/null)');
    if (takesFile(spec)) lines.push('      files=1');
    lines.push('      ;;');
    return lines.join('\n');
  }).join('\n');
  return `# bash completion for parker: source it, or put it in /etc/bash_completion.d/parker
_parker() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} flags= words= files=
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${names}" -- "$cur"))
    return
  fi
  case "$prev" in
    -o|--output) COMPREPLY=($(compgen -W "table json yaml hwloc" -- "$cur")); return ;;
    --machine) COMPREPLY=($(compgen -W "sim host" -- "$cur")); return ;;
    --root|--state-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --from|--out|-f|--output-file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  case "\${COMP_WORDS[1]}" in
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
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  case $words[2] in
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
