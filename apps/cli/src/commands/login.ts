import type { Command } from "commander";
import { commandContext, normalizeServerUrl } from "../context.ts";
import { UsageError } from "../errors.ts";
import type { Output } from "../output.ts";
import { ask, askHidden, canPrompt, readSecretFromStdin } from "../prompts.ts";
import { defaultKeyName, type StoredSignIn, storeLoginWithKey, storeLoginWithPassword } from "../sign-in.ts";

interface LoginOptions {
  email?: string;
  passwordStdin?: boolean;
  apiKeyStdin?: boolean;
  name?: string;
}

/** `hearth login`: stores the server's address and an API key in the user's config directory. */
export function registerLogin(program: Command): void {
  program
    .command("login")
    .description("sign in and store the server's address and an API key (created for this machine)")
    .option("--email <email>", "your email (asked on a terminal)")
    .option("--password-stdin", "read the password from stdin")
    .option("--api-key-stdin", "store the API key read from stdin instead of signing in with a password")
    .option("--name <name>", "the name of the API key to create", defaultKeyName())
    .addHelpText(
      "after",
      "\nThe server is --server, else HEARTH_URL, else the stored login's, else asked on a terminal." +
        "\nExamples:\n  hearth login --server https://hearth.example.com\n" +
        '  printf %s "$PASSWORD" | hearth login --email ada@example.com --password-stdin\n' +
        '  printf %s "$KEY" | hearth login --api-key-stdin',
    )
    .action(async (options: LoginOptions, command: Command) => {
      const { globals, output, connection } = commandContext(command);
      let serverUrl = connection.serverUrl;
      if (connection.serverFrom !== "--server" && connection.serverFrom !== "HEARTH_URL" && canPrompt()) {
        serverUrl = normalizeServerUrl(await ask("Server", serverUrl), "the server");
      }
      if (options.apiKeyStdin) {
        const apiKey = await readSecretFromStdin("api-key");
        report(output, await storeLoginWithKey(serverUrl, apiKey));
        return;
      }
      const credentials = await askCredentials(options, globals.json);
      report(output, await storeLoginWithPassword(serverUrl, credentials, options.name ?? defaultKeyName()));
    });
}

async function askCredentials(options: LoginOptions, isJson: boolean): Promise<{ email: string; password: string }> {
  const isInteractive = canPrompt() && !isJson;
  if (!options.passwordStdin && !isInteractive) {
    throw new UsageError("not on a terminal: give --email and --password-stdin, or --api-key-stdin");
  }
  const email = options.email ?? (isInteractive ? await ask("Email") : undefined);
  if (!email) throw new UsageError("login needs --email (or run it on a terminal to be asked)");
  const password = options.passwordStdin ? await readSecretFromStdin("password") : await askHidden("Password");
  return { email, password };
}

function report(output: Output, signIn: StoredSignIn): void {
  const { login, user, file } = signIn;
  output.result({ server: login.server, user, apiKeyId: login.apiKeyId ?? null, file }, () => {
    output.info(`Signed in to ${login.server} as ${user.username} <${user.email}>. The login is stored in ${file}.`);
  });
}
