import { Argument, type Command } from "commander";
import { bashCompletion, completionTree, fishCompletion, zshCompletion } from "../completion-scripts.ts";
import { globalsOf } from "../context.ts";
import { Output } from "../output.ts";

const SCRIPTS = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion };

/** `hearth completion bash|zsh|fish`: the shell's completion script, on stdout. */
export function registerCompletion(program: Command): void {
  program
    .command("completion")
    .description("print the completion script of a shell (bash, zsh, fish)")
    .addArgument(new Argument("<shell>", "bash, zsh or fish").choices(Object.keys(SCRIPTS)))
    .addHelpText(
      "after",
      '\nbash: eval "$(hearth completion bash)" in ~/.bashrc\nzsh: eval "$(hearth completion zsh)" in ~/.zshrc (after compinit)\nfish: hearth completion fish > ~/.config/fish/completions/hearth.fish',
    )
    .action((shell: keyof typeof SCRIPTS, _options: unknown, command: Command) => {
      Output.fromOptions(globalsOf(command)).write(SCRIPTS[shell](completionTree(program)));
    });
}
