/**
 * @module
 * Shell completion scripts written from the command tree itself, so a new command or option
 * completes without anyone editing a script. Each shell finds the command path typed so far (the
 * words that name commands: `/conversations/export/`) and offers that path's commands and options.
 */
import type { Command } from "commander";

interface CompletionNode {
  /** `/` for hearth itself, `/conversations/` for a command under it. */
  path: string;
  commands: { name: string; description: string }[];
  options: { flags: string[]; description: string; takesValue: boolean }[];
}

/** Every command of the tree, with its subcommands and options (the global ones everywhere, as they apply everywhere). */
export function completionTree(program: Command): CompletionNode[] {
  const globalOptions = optionsOf(program);
  const nodes: CompletionNode[] = [];
  const visit = (command: Command, path: string) => {
    const subcommands = command.commands.filter((each) => !(each as Command & { _hidden?: boolean })._hidden);
    nodes.push({
      path,
      commands: [
        ...subcommands.map((each) => ({ name: each.name(), description: each.description() })),
        ...(path === "/" ? [{ name: "help", description: "show help for a command" }] : []),
      ],
      options: path === "/" ? globalOptions : [...optionsOf(command), ...globalOptions],
    });
    for (const subcommand of subcommands) visit(subcommand, `${path}${subcommand.name()}/`);
  };
  visit(program, "/");
  return nodes;
}

function optionsOf(command: Command): CompletionNode["options"] {
  const options = command.options.map((option) => ({
    flags: [option.long, option.short].filter((flag): flag is string => flag !== undefined),
    description: option.description,
    takesValue: option.required || option.optional,
  }));
  return [...options, { flags: ["--help", "-h"], description: "show help", takesValue: false }];
}

const paths = (nodes: readonly CompletionNode[]) => nodes.filter((node) => node.path !== "/").map((node) => node.path);
const flagsOf = (node: CompletionNode) => node.options.flatMap((option) => option.flags);
/** A string inside single quotes, in every shell here. */
const singleQuoted = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;

export function bashCompletion(nodes: readonly CompletionNode[]): string {
  const cases = nodes.map(
    (node) =>
      `    ${singleQuoted(node.path)}) commands=${singleQuoted(node.commands.map((each) => each.name).join(" "))}; options=${singleQuoted(flagsOf(node).join(" "))} ;;`,
  );
  return `# hearth completion for bash: eval "$(hearth completion bash)", or save it as
# ~/.local/share/bash-completion/completions/hearth
_hearth() {
  local current="\${COMP_WORDS[COMP_CWORD]}" command_path="/" word index commands="" options=""
  for ((index = 1; index < COMP_CWORD; index++)); do
    word="\${COMP_WORDS[index]}"
    case "$command_path$word/" in
      ${paths(nodes).map(singleQuoted).join("|")}) command_path="$command_path$word/" ;;
    esac
  done
  case "$command_path" in
${cases.join("\n")}
  esac
  if [[ $current == -* ]]; then
    COMPREPLY=($(compgen -W "$options" -- "$current"))
  elif [[ -n $commands ]]; then
    COMPREPLY=($(compgen -W "$commands" -- "$current"))
  fi
}
complete -o default -F _hearth hearth
`;
}

export function zshCompletion(nodes: readonly CompletionNode[]): string {
  const describe = (name: string, description: string) => singleQuoted(`${name.replace(/:/g, "\\:")}:${description}`);
  const cases = nodes.map((node) => {
    const commands = node.commands.map((each) => describe(each.name, each.description)).join(" ");
    const options = node.options.flatMap((option) => option.flags.map((flag) => describe(flag, option.description)));
    return `    (${singleQuoted(node.path)}) commands=(${commands}); options=(${options.join(" ")}) ;;`;
  });
  return `#compdef hearth
# hearth completion for zsh: eval "$(hearth completion zsh)", or save it as _hearth in a folder of $fpath
_hearth() {
  local command_path="/" word
  local -a commands options
  local -i index
  for ((index = 2; index < CURRENT; index++)); do
    word="\${words[index]}"
    case "$command_path$word/" in
      (${paths(nodes).map(singleQuoted).join("|")}) command_path="$command_path$word/" ;;
    esac
  done
  case "$command_path" in
${cases.join("\n")}
  esac
  if [[ \${words[CURRENT]} == -* ]]; then
    _describe -t options 'option' options
  elif (( \${#commands} )); then
    _describe -t commands 'command' commands
  else
    _files
  fi
}
if [[ "\${funcstack[1]}" == _hearth ]]; then _hearth "$@"; else compdef _hearth hearth; fi
`;
}

export function fishCompletion(nodes: readonly CompletionNode[]): string {
  const lines = nodes.flatMap((node) => {
    const when = `-n ${singleQuoted(`test (__hearth_command_path) = ${node.path}`)}`;
    const commands = node.commands.map(
      (each) => `complete -c hearth ${when} -f -a ${singleQuoted(each.name)} -d ${singleQuoted(each.description)}`,
    );
    const options = node.options.map((option) => {
      const flags = option.flags.map((flag) => (flag.startsWith("--") ? `-l ${flag.slice(2)}` : `-s ${flag.slice(1)}`));
      return `complete -c hearth ${when} ${flags.join(" ")}${option.takesValue ? " -r" : ""} -d ${singleQuoted(option.description)}`;
    });
    return [...commands, ...options];
  });
  return `# hearth completion for fish: hearth completion fish > ~/.config/fish/completions/hearth.fish
function __hearth_command_path
    set -l command_path /
    for word in (commandline -opc)[2..-1]
        switch "$command_path$word/"
            case ${paths(nodes).join(" ")}
                set command_path "$command_path$word/"
        end
    end
    echo $command_path
end
${lines.join("\n")}
`;
}
