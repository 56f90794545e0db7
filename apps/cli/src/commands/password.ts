import { unwrap } from "@hearth/sdk";
import type { Command } from "commander";
import { commandContext } from "../context.ts";
import { CliError, UsageError } from "../errors.ts";
import { askHidden, canPrompt, readSecretFromStdin } from "../prompts.ts";

/** `hearth password`: changes your password, given the current one. */
export function registerPassword(program: Command): void {
  program
    .command("password")
    .description("change your password (asked on a terminal, or read with --password-stdin)")
    .option("--password-stdin", "read the current password and the new one from stdin, one line each")
    .addHelpText(
      "after",
      "\nYour sessions (web app sign-ins) end; API keys, the stored login's among them, keep working." +
        '\nExample:\n  printf "%s\\n%s\\n" "$OLD" "$NEW" | hearth password --password-stdin',
    )
    .action(async (options: { passwordStdin?: boolean }, command: Command) => {
      const { output, hearth } = commandContext(command);
      const body = options.passwordStdin ? await passwordsFromStdin() : await askPasswords();
      unwrap(await hearth.api.POST("/api/auth/password", { body }));
      output.result({ changed: true }, () =>
        output.info("Password changed. Your other sessions have ended; API keys keep working."),
      );
    });
}

async function passwordsFromStdin(): Promise<{ currentPassword: string; newPassword: string }> {
  const text = await readSecretFromStdin("password");
  const lineBreak = text.search(/\r?\n/);
  if (lineBreak === -1)
    throw new UsageError("--password-stdin reads two lines: the current password, then the new one");
  const currentPassword = text.slice(0, lineBreak);
  const newPassword = text.slice(lineBreak).replace(/^\r?\n/, "");
  if (currentPassword === "" || newPassword === "") {
    throw new UsageError("--password-stdin reads two lines: the current password, then the new one");
  }
  return { currentPassword, newPassword };
}

async function askPasswords(): Promise<{ currentPassword: string; newPassword: string }> {
  if (!canPrompt()) throw new UsageError("not on a terminal: give the passwords with --password-stdin");
  const currentPassword = await askHidden("Current password");
  const newPassword = await askHidden("New password");
  if ((await askHidden("New password again")) !== newPassword) throw new CliError("the new passwords differ");
  return { currentPassword, newPassword };
}
