/**
 * @module
 * The `hearth` command line: global options, exit codes, and every command. Each command lives in
 * commands/<name>.ts and registers itself here.
 */
import { Command } from "commander";
import packageJson from "../package.json" with { type: "json" };
import { registerAssistants } from "./commands/assistants.ts";
import { registerChat } from "./commands/chat.ts";
import { registerCompletion } from "./commands/completion.ts";
import { registerConfig } from "./commands/config.ts";
import { registerConversations } from "./commands/conversations.ts";
import { registerFollow } from "./commands/follow.ts";
import { registerJobs } from "./commands/jobs.ts";
import { registerKeys } from "./commands/keys.ts";
import { registerLogin } from "./commands/login.ts";
import { registerLogout } from "./commands/logout.ts";
import { registerMemory } from "./commands/memory.ts";
import { registerModels } from "./commands/models.ts";
import { registerOpenapi } from "./commands/openapi.ts";
import { registerPassword } from "./commands/password.ts";
import { registerRateLimits } from "./commands/rate-limits.ts";
import { registerSearch } from "./commands/search.ts";
import { registerServe } from "./commands/serve.ts";
import { registerSettings } from "./commands/settings.ts";
import { registerSetup } from "./commands/setup.ts";
import { registerUsage } from "./commands/usage.ts";
import { registerUsers } from "./commands/users.ts";
import { registerWhoami } from "./commands/whoami.ts";
import { DEFAULT_SERVER } from "./context.ts";

const ENVIRONMENT_AND_EXIT_CODES = `
Environment:
  HEARTH_URL         the server, when --server is not given (default ${DEFAULT_SERVER})
  HEARTH_API_KEY     an API key to use instead of the stored login
  HEARTH_CONFIG_DIR  where the login is stored (default ~/.config/hearth)
  NO_COLOR           no colours

Exit codes:
  0  done
  1  failed: the server refused, could not be reached, or answered an error
  2  usage: unknown command or option, missing or invalid argument`;

/** The whole command line, ready to parse. */
export function createProgram(): Command {
  const program = new Command("hearth")
    .description("Run, set up and use a Hearth server: a self-hosted, private AI workspace.")
    .version(packageJson.version, "-V, --version", "print the version")
    .helpOption("-h, --help", "show help for a command")
    .option("--server <url>", "the server's address (default: HEARTH_URL, the stored login, or http://127.0.0.1:8080)")
    .option("--json", "print results as JSON on stdout, and nothing else there")
    .option("--verbose", "on errors, print the detail: status, problem body, stack")
    .option("--no-color", "no colours (also NO_COLOR)")
    .addHelpText("after", ENVIRONMENT_AND_EXIT_CODES)
    // Errors become exceptions main.ts turns into exit codes; commander's messages get our prefix.
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`hearth: ${text.replace(/^error: /, "")}`) })
    .showSuggestionAfterError(true);

  registerServe(program);
  registerSetup(program);
  registerLogin(program);
  registerLogout(program);
  registerWhoami(program);
  registerSettings(program);
  registerPassword(program);
  registerChat(program);
  registerFollow(program);
  registerConversations(program);
  registerSearch(program);
  registerAssistants(program);
  registerMemory(program);
  registerModels(program);
  registerUsage(program);
  registerKeys(program);
  registerUsers(program);
  registerRateLimits(program);
  registerJobs(program);
  registerConfig(program);
  registerOpenapi(program);
  registerCompletion(program);
  return program;
}
