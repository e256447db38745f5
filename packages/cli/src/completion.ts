import type { Command } from 'commander';

interface Node {
  /** Space-joined command path below `polycloud` (`''` for the top level, `job submit`). */
  path: string;
  subcommands: string[];
  flags: string[];
}

/** Every command path with its subcommands and flags (global flags on every level), from the commander tree. */
function walk(program: Command): Node[] {
  const globals = program.options.flatMap((o) => [o.short, o.long].filter((f): f is string => !!f));
  const nodes: Node[] = [];
  const visit = (cmd: Command, path: string) => {
    const own = cmd === program ? [] : cmd.options.flatMap((o) => [o.short, o.long].filter((f): f is string => !!f));
    // --version is the program's only: not offered after a command.
    const inherited = cmd === program ? globals : globals.filter((f) => f !== '-V' && f !== '--version');
    nodes.push({ path, subcommands: cmd.commands.map((c) => c.name()), flags: [...new Set([...own, ...inherited, '--help'])] });
    for (const c of cmd.commands) visit(c, path ? `${path} ${c.name()}` : c.name());
  };
  visit(program, '');
  return nodes;
}

const words = (list: string[]) => list.join(' ');

function bash(nodes: Node[]): string {
  const cases = nodes.map((n) => `    '${n.path}') words="${words([...n.subcommands, ...n.flags])}" ;;`).join('\n');
  return `# polycloud bash completion: eval "$(polycloud completion bash)"  (or save it under ~/.local/share/bash-completion/completions/polycloud)
_polycloud() {
  local cur cmd word i words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    case "$word" in
      -*) ;;
      *)
        case "\${cmd:+$cmd }$word" in
${nodes
  .filter((n) => n.path)
  .map((n) => `          '${n.path}') cmd="${n.path}" ;;`)
  .join('\n')}
        esac
        ;;
    esac
  done
  case "$cmd" in
${cases}
    *) words="" ;;
  esac
  if [[ "$cur" == -* || -n "$words" ]]; then
    COMPREPLY=( $(compgen -W "$words" -- "$cur") )
  fi
  if [[ \${#COMPREPLY[@]} -eq 0 ]]; then
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
}
complete -o filenames -F _polycloud polycloud
`;
}

function zsh(nodes: Node[]): string {
  return `#compdef polycloud
# polycloud zsh completion: source <(polycloud completion zsh)  (or save it as _polycloud in your $fpath)
_polycloud() {
  local cmd="" w
  local -a candidates
  for w in "\${(@)words[2,CURRENT-1]}"; do
    [[ "$w" == -* ]] && continue
    case "\${cmd:+$cmd }$w" in
${nodes
  .filter((n) => n.path)
  .map((n) => `      '${n.path}') cmd="${n.path}" ;;`)
  .join('\n')}
    esac
  done
  case "$cmd" in
${nodes.map((n) => `    '${n.path}') candidates=(${words([...n.subcommands, ...n.flags])}) ;;`).join('\n')}
  esac
  compadd -a candidates
  _files
}
if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then
  _polycloud "$@"
else
  compdef _polycloud polycloud
fi
`;
}

function fish(nodes: Node[]): string {
  const out = ['# polycloud fish completion: polycloud completion fish > ~/.config/fish/completions/polycloud.fish'];
  for (const n of nodes) {
    const cond = n.path ? `__fish_seen_subcommand_from ${n.path.split(' ').at(-1)}` : '__fish_use_subcommand';
    if (n.subcommands.length) out.push(`complete -c polycloud -n '${cond}' -f -a '${words(n.subcommands)}'`);
    for (const f of n.flags) {
      out.push(f.startsWith('--') ? `complete -c polycloud -n '${cond}' -l ${f.slice(2)}` : `complete -c polycloud -n '${cond}' -s ${f.slice(1)}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** A completion script for `polycloud` in bash, zsh or fish, generated from the command tree. */
export function completionScript(program: Command, shell: 'bash' | 'zsh' | 'fish'): string {
  const nodes = walk(program);
  return shell === 'bash' ? bash(nodes) : shell === 'zsh' ? zsh(nodes) : fish(nodes);
}
