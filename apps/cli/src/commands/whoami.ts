import { type components, unwrap } from "@hearth/sdk";
import type { Command } from "commander";
import { commandContext } from "../context.ts";

type User = components["schemas"]["User"];

/** `hearth whoami`: who the stored login or HEARTH_API_KEY signs in as, and where. */
export function registerWhoami(program: Command): void {
  program
    .command("whoami")
    .description("show the user the stored login or HEARTH_API_KEY signs in as, the server, and the user's settings")
    .action(async (_options: unknown, command: Command) => {
      const { output, connection, hearth } = commandContext(command);
      const { user } = unwrap(await hearth.api.GET("/api/auth/me"));
      output.result({ server: connection.serverUrl, user }, () => {
        output.line(`${user.username} <${user.email}> (${user.role}) on ${connection.serverUrl}`);
        output.line(describeSettings(user));
      });
    });
}

/** "theme dark, language de, time zone Europe/Oslo": a user's settings on one line. */
export function describeSettings(user: Pick<User, "theme" | "language" | "timeZone">): string {
  return `theme ${user.theme}, language ${user.language ?? "the browser's"}, time zone ${user.timeZone}`;
}
