import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { Command as BaseCommand } from 'commander';
import { usageError } from '../errors.js';
import { examples } from '../options.js';

interface Node {
  path: string;
  subcommands: Array<{ name: string; description: string }>;
  options: string[];
}

/** Every command path with its subcommands and options, from the program itself (never out of date). */
function walk(command: BaseCommand, path: string, globalOptions: string[], out: Node[]): void {
  const own = command.options.flatMap((o) => [o.long, o.short].filter((x): x is string => x !== undefined));
  const options = [...new Set([...own, ...globalOptions, '--help'])];
  const subcommands = command.commands
    .filter((c) => !(c as BaseCommand & { _hidden?: boolean })._hidden)
    .map((c) => ({ name: c.name(), description: c.description().split('\n')[0] ?? '' }));
  out.push({ path, subcommands, options });
  for (const sub of command.commands)
    walk(sub, path === '' ? sub.name() : `${path} ${sub.name()}`, globalOptions, out);
}

function nodesOf(program: BaseCommand): Node[] {
  const globals = program.options.flatMap((o) =>
    [o.long, o.short].filter((x): x is string => x !== undefined),
  );
  const nodes: Node[] = [];
  walk(program, '', globals, nodes);
  return nodes;
}

export function bashCompletion(program: BaseCommand): string {
  const nodes = nodesOf(program);
  const subs = nodes
    .map((n) => `    "${n.path}") echo "${n.subcommands.map((s) => s.name).join(' ')}" ;;`)
    .join('\n');
  const opts = nodes.map((n) => `    "${n.path}") echo "${n.options.join(' ')}" ;;`).join('\n');
  return `# bash completion for stowage. Install: stowage completion bash > /etc/bash_completion.d/stowage
# (or add  source <(stowage completion bash)  to ~/.bashrc)
_stowage_subcommands() {
  case "$1" in
${subs}
  esac
}
_stowage_options() {
  case "$1" in
${opts}
  esac
}
_stowage() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" i w subs
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in -*) continue ;; esac
    subs=" $(_stowage_subcommands "$path") "
    case "$subs" in *" $w "*) path="\${path:+$path }$w" ;; esac
  done
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(_stowage_options "$path")" -- "$cur"))
    return
  fi
  subs="$(_stowage_subcommands "$path")"
  if [[ -n "$subs" ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  else
    COMPREPLY=()
  fi
}
complete -o default -o bashdefault -F _stowage stowage
`;
}

export function zshCompletion(program: BaseCommand): string {
  const nodes = nodesOf(program);
  const esc = (s: string) => s.replace(/'/g, "'\\''").replace(/:/g, '\\:');
  const subs = nodes
    .map(
      (n) =>
        `    '${n.path}') subs=(${n.subcommands.map((s) => `'${esc(s.name)}:${esc(s.description)}'`).join(' ')}) ;;`,
    )
    .join('\n');
  const opts = nodes
    .map((n) => `    '${n.path}') opts=(${n.options.map((o) => `'${o}'`).join(' ')}) ;;`)
    .join('\n');
  return `#compdef stowage
# zsh completion for stowage. Install: stowage completion zsh > "\${fpath[1]}/_stowage"
# (or add  source <(stowage completion zsh)  to ~/.zshrc after compinit)
_stowage() {
  local -a subs opts
  local path_="" w i names
  for ((i = 2; i < CURRENT; i++)); do
    w="\${words[i]}"
    [[ "$w" == -* ]] && continue
    subs=()
    _stowage_subs "$path_"
    names=" \${(j: :)\${subs%%:*}} "
    [[ "$names" == *" $w "* ]] && path_="\${path_:+$path_ }$w"
  done
  if [[ "$PREFIX" == -* ]]; then
    opts=()
    _stowage_opts "$path_"
    compadd -- "\${opts[@]}"
    return
  fi
  subs=()
  _stowage_subs "$path_"
  if (( \${#subs} )); then
    _describe 'command' subs
  else
    _files
  fi
}
_stowage_subs() {
  case "$1" in
${subs}
  esac
}
_stowage_opts() {
  case "$1" in
${opts}
  esac
}
if [[ "\${funcstack[1]}" == "_stowage" ]]; then
  _stowage "$@"
else
  compdef _stowage stowage
fi
`;
}

export function registerCompletionCommand(program: CommandUnknownOpts): void {
  program
    .command('completion')
    .description('Print the shell completion script for bash or zsh')
    .argument('<shell>', 'bash or zsh')
    .addHelpText(
      'after',
      examples([
        'source <(stowage completion bash)             # in ~/.bashrc',
        'stowage completion zsh > ~/.zsh/completions/_stowage  # a directory on $fpath; then restart zsh',
      ]),
    )
    .action((shell) => {
      const root = program as unknown as BaseCommand;
      if (shell === 'bash') process.stdout.write(bashCompletion(root));
      else if (shell === 'zsh') process.stdout.write(zshCompletion(root));
      else throw usageError(`No completion for ${shell}`, 'use bash or zsh');
    });
}
