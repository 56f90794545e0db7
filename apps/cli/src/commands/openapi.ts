import { unwrap } from "@hearth/sdk";
import type { Command } from "commander";
import { commandContext } from "../context.ts";

/** `hearth openapi`: the server's OpenAPI document, as JSON on stdout. */
export function registerOpenapi(program: Command): void {
  program
    .command("openapi")
    .description("print the server's OpenAPI 3.1 document (/openapi.json)")
    .action(async (_options: unknown, command: Command) => {
      const { output, hearth } = commandContext(command);
      output.json(unwrap(await hearth.api.GET("/openapi.json")));
    });
}
