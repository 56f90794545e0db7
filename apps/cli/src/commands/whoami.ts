import { unwrap } from "@hearth/sdk";
import type { Command } from "commander";
import { commandContext } from "../context.ts";

/** `hearth whoami`: who the stored login or HEARTH_API_KEY signs in as, and where. */
export function registerWhoami(program: Command): void {
  program
    .command("whoami")
    .description("show the user the stored login or HEARTH_API_KEY signs in as, and the server")
    .action(async (_options: unknown, command: Command) => {
      const { output, connection, hearth } = commandContext(command);
      const { user } = unwrap(await hearth.api.GET("/api/auth/me"));
      output.result({ server: connection.serverUrl, user }, () => {
        output.line(`${user.username} <${user.email}> (${user.role}) on ${connection.serverUrl}`);
      });
    });
}
