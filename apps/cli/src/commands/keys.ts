import { type components, unwrap } from "@hearth/sdk";
import type { Command } from "commander";
import { type CommandContext, commandContext } from "../context.ts";
import { CliError } from "../errors.ts";
import { shortDate } from "../output.ts";

type ApiKey = components["schemas"]["ApiKey"];

/** `hearth keys create|list|revoke`: your API keys. */
export function registerKeys(program: Command): void {
  const keys = program.command("keys").description("your API keys, for scripts and other programs");

  keys
    .command("create")
    .description("create an API key; its secret is printed once, alone on stdout")
    .argument("<name>", "a name to recognise it by")
    .action(async (name: string, _options: unknown, command: Command) => {
      const { output, hearth } = commandContext(command);
      const created = unwrap(await hearth.api.POST("/api/api-keys", { body: { name } }));
      output.result(created, () => {
        output.info(`Created the API key ${created.name} (${created.id}). Its secret is shown this once:`);
        output.line(created.key);
      });
    });

  keys
    .command("list")
    .description("list your API keys (without their secrets)")
    .action(async (_options: unknown, command: Command) => {
      const { output, hearth } = commandContext(command);
      const { data } = unwrap(await hearth.api.GET("/api/api-keys"));
      output.result(data, () => {
        if (data.length === 0) output.info("No API keys.");
        else output.table(["ID", "NAME", "PREFIX", "CREATED", "LAST USED"], data.map(keyRow));
      });
    });

  keys
    .command("revoke")
    .description("revoke API keys: programs using them are refused from then on")
    .argument("<keys...>", "each key's id, or its name where no other key has it")
    .action(async (names: string[], _options: unknown, command: Command) => {
      const context = commandContext(command);
      const { data } = unwrap(await context.hearth.api.GET("/api/api-keys"));
      const revoked: ApiKey[] = [];
      for (const name of names) revoked.push(await revoke(context, findKey(data, name)));
      context.output.result({ revoked: revoked.map((key) => key.id) }, () => {
        for (const key of revoked) context.output.info(`Revoked the API key ${key.name} (${key.id}).`);
      });
    });
}

function keyRow(key: ApiKey): string[] {
  return [key.id, key.name, key.prefix, shortDate(key.createdAt), shortDate(key.lastUsedAt)];
}

function findKey(keys: readonly ApiKey[], name: string): ApiKey {
  const byId = keys.find((key) => key.id === name);
  if (byId) return byId;
  const named = keys.filter((key) => key.name === name);
  if (named.length === 1) return named[0] as ApiKey;
  if (named.length > 1) throw new CliError(`${named.length} keys are named ${JSON.stringify(name)}: give the id`);
  throw new CliError(`no API key ${JSON.stringify(name)}: hearth keys list shows them`);
}

async function revoke({ hearth }: CommandContext, key: ApiKey): Promise<ApiKey> {
  unwrap(await hearth.api.DELETE("/api/api-keys/{id}", { params: { path: { id: key.id } } }));
  return key;
}
