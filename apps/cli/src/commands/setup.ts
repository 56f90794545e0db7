import { unwrap } from "@hearth/sdk";
import type { Command } from "commander";
import { type CommandContext, commandContext } from "../context.ts";
import { CliError, UsageError } from "../errors.ts";
import { ask, askHidden, canPrompt, confirm, readSecretFromStdin } from "../prompts.ts";
import { defaultKeyName, storeLoginWithPassword } from "../sign-in.ts";

interface SetupOptions {
  username?: string;
  email?: string;
  passwordStdin?: boolean;
  /** --login / --no-login; asked on a terminal when neither is given. */
  login?: boolean;
}

interface FirstAdmin {
  username: string;
  email: string;
  password: string;
}

/** `hearth setup`: creates a new server's first admin, then offers to store a login for it. */
export function registerSetup(program: Command): void {
  program
    .command("setup")
    .description("create the first admin of a new server (asked on a terminal), then offer to store a login")
    .option("--username <name>", "the admin's user name")
    .option("--email <email>", "the admin's email")
    .option("--password-stdin", "read the admin's password from stdin")
    .option("--login", "store a login for the new admin (asked on a terminal)")
    .option("--no-login", "do not store a login")
    .action(async (options: SetupOptions, command: Command) => {
      const context = commandContext(command);
      const { hearth, connection, output } = context;
      const { isSetup } = unwrap(await hearth.api.GET("/api/setup"));
      if (isSetup) {
        throw new CliError(`${connection.serverUrl} is already set up: sign in with hearth login`);
      }
      const admin = await firstAdmin(options, context);
      const { user } = unwrap(await hearth.api.POST("/api/setup", { body: admin }));
      const wantsLogin =
        options.login ??
        (canPrompt() && !context.globals.json && (await confirm("Store a login for this server?", true)));
      const stored = wantsLogin
        ? await storeLoginWithPassword(connection.serverUrl, admin, defaultKeyName())
        : undefined;
      output.result({ server: connection.serverUrl, user, loginFile: stored?.file ?? null }, () => {
        output.info(`${user.username} <${user.email}> is the admin of ${connection.serverUrl}.`);
        if (stored) output.info(`The login is stored in ${stored.file}.`);
      });
    });
}

/** The admin from the flags, asking on a terminal for what they leave out. */
async function firstAdmin(options: SetupOptions, context: CommandContext): Promise<FirstAdmin> {
  const isInteractive = canPrompt() && !context.globals.json;
  if (!isInteractive && !(options.username && options.email && options.passwordStdin)) {
    throw new UsageError("not on a terminal: give --username, --email and --password-stdin");
  }
  if (isInteractive) context.output.info(`Setting up ${context.connection.serverUrl}: its first admin.`);
  const username = options.username ?? (await ask("User name"));
  const email = options.email ?? (await ask("Email"));
  const password = options.passwordStdin ? await readSecretFromStdin("password") : await askNewPassword();
  return { username, email, password };
}

async function askNewPassword(): Promise<string> {
  for (;;) {
    const password = await askHidden("Password");
    if (password === (await askHidden("Password again"))) return password;
    process.stderr.write("The passwords differ; try again.\n");
  }
}
