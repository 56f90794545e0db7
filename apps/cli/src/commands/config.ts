import { resolve } from "node:path";
import type { Command } from "commander";
import { importServerConfig } from "../checkout.ts";
import { globalsOf } from "../context.ts";
import { CliError } from "../errors.ts";
import { Output } from "../output.ts";

/**
 * `hearth config print|check`. The server offers no route for its configuration, so both read it
 * here, with the server's own loader and schema: what `hearth serve` would run with, and whether a
 * config file is valid.
 */
export function registerConfig(program: Command): void {
  const config = program.command("config").description("the server's configuration, read with the server's own schema");

  config
    .command("print")
    .description(
      "print the configuration hearth serve would start with here (defaults, the config file, HEARTH_* variables, the flags given), secrets redacted",
    )
    .allowUnknownOption()
    .argument("[flags...]", "the server's flags, as hearth serve takes them")
    .action(async (flags: string[], _options: unknown, command: Command) => {
      const output = Output.fromOptions(globalsOf(command));
      const { loadConfig, redactConfig } = await importServerConfig("config print");
      const loaded = loadConfig({ argv: flags, env: process.env, cwd: process.cwd() });
      if (loaded.ok === "help")
        throw new CliError("config print takes the server's flags; hearth serve --help lists them");
      if (!loaded.ok) throw invalid("the configuration", loaded.errors);
      output.json(redactConfig(loaded.config));
    });

  config
    .command("check")
    .description("check a hearth.config.json file against the server's schema, listing every problem")
    .argument("<file>", "the config file (the server reads <data dir>/hearth.config.json, or HEARTH_CONFIG)")
    .action(async (file: string, _options: unknown, command: Command) => {
      const output = Output.fromOptions(globalsOf(command));
      const { loadConfig } = await importServerConfig("config check");
      const path = resolve(file);
      // The file alone: no HEARTH_* variable of this shell is mixed into its verdict.
      const loaded = loadConfig({ argv: [], env: { HEARTH_CONFIG: path }, cwd: process.cwd() });
      const errors = loaded.ok === true ? [] : loaded.ok === false ? loaded.errors : [];
      if (output.isJson) output.json({ file: path, isValid: errors.length === 0, errors });
      if (errors.length > 0) throw invalid(path, errors, output.isJson);
      if (!output.isJson) output.line(`${path} is valid.`);
    });
}

/** The problems, one per line under the first; with --json they are in the JSON already. */
function invalid(what: string, errors: readonly string[], isListed = false): CliError {
  const lines = isListed ? "" : `\n${errors.map((error) => `  - ${error}`).join("\n")}`;
  return new CliError(`${what} is invalid (${errors.length} ${errors.length === 1 ? "problem" : "problems"})${lines}`);
}
