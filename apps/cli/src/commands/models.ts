import { type components, unwrap } from "@hearth/sdk";
import type { Command } from "commander";
import { commandContext } from "../context.ts";
import { CliError } from "../errors.ts";
import { formatBytes, type Output } from "../output.ts";

type Model = components["schemas"]["Model"];

/** `hearth models list|inspect`: every provider's models and what each can do. */
export function registerModels(program: Command): void {
  const models = program
    .command("models")
    .description("the models of every provider: local GGUF files and remote servers");

  models
    .command("list")
    .description("list the models, whether each can be used now, and what it can do")
    .action(async (_options: unknown, command: Command) => {
      const { output, hearth } = commandContext(command);
      const list = unwrap(await hearth.api.GET("/api/models"));
      output.result(list.data, () => {
        if (list.data.length === 0) output.info("No models. Put GGUF files in the models folder, or add a provider.");
        else output.table(["ID", "AVAILABLE", "CONTEXT", "TOOLS", "SIZE"], list.data.map(modelRow));
        for (const provider of list.providers.filter((each) => !each.isAvailable)) {
          output.info(`Provider ${provider.id} is unavailable: ${provider.reason ?? "no reason given"}`);
        }
      });
    });

  models
    .command("inspect")
    .description("show everything the server knows of one model")
    .argument("<model>", "its id (local/tiny.gguf) or its id within the provider (tiny.gguf)")
    .action(async (name: string, _options: unknown, command: Command) => {
      const { output, hearth } = commandContext(command);
      const { data } = unwrap(await hearth.api.GET("/api/models"));
      const model = data.find((each) => each.id === name) ?? findUnique(data, (each) => each.modelId === name, name);
      if (model === undefined) throw new CliError(`no model ${JSON.stringify(name)}: hearth models list shows them`);
      output.result(model, () => printModel(output, model));
    });
}

function findUnique(models: readonly Model[], matches: (model: Model) => boolean, name: string): Model | undefined {
  const found = models.filter(matches);
  if (found.length > 1) {
    throw new CliError(
      `${name} names ${found.length} models (${found.map((each) => each.id).join(", ")}): give the full id`,
    );
  }
  return found[0];
}

function modelRow(model: Model): string[] {
  return [
    model.id,
    model.isAvailable ? "yes" : `no: ${model.unavailableReason ?? "unavailable"}`,
    model.capabilities.contextLength === undefined ? "-" : String(model.capabilities.contextLength),
    model.capabilities.tools,
    formatBytes(model.sizeBytes),
  ];
}

function printModel(output: Output, model: Model): void {
  const { capabilities } = model;
  const can = (["chat", "embeddings", "vision"] as const).filter((capability) => capabilities[capability]);
  output.fields([
    ["id", model.id],
    ["provider", `${model.provider} (${model.providerKind})`],
    ["model id", model.modelId],
    ["available", model.isAvailable ? "yes" : `no: ${model.unavailableReason ?? "unavailable"}`],
    ["loaded", model.isLoaded === undefined ? "-" : model.isLoaded ? "yes" : "no"],
    ["size", formatBytes(model.sizeBytes)],
    ["context", capabilities.contextLength === undefined ? "-" : `${capabilities.contextLength} tokens`],
    ["can", can.join(", ") || "-"],
    ["tool calls", capabilities.tools],
    ...Object.entries(model.details ?? {}).map(([name, value]) => [name, value] as const),
  ]);
}
