import { type components, type HearthClient, type ModelPull, unwrap } from "@hearth/sdk";
import type { Command } from "commander";
import { commandContext } from "../context.ts";
import { CliError, UsageError } from "../errors.ts";
import { formatBytes, type Output, printable } from "../output.ts";
import { canPrompt, confirm } from "../prompts.ts";
import { percentDone } from "../pull-progress.ts";
import { registerModelPull } from "./model-pull.ts";
import { registerModelSettings } from "./model-settings.ts";

type Model = components["schemas"]["Model"];

/** The provider of the models in the server's models dir, the only ones `pull` and `rm` act on. */
const LOCAL_PROVIDER = "local";

/**
 * `hearth models list|inspect`: every provider's models and what each can do; and for admins
 * `pull|pulls|cancel|rm`: pulling models into the server's models dir, and removing them.
 */
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

  registerModelPull(models);
  registerModelSettings(models);

  models
    .command("pulls")
    .description("list the latest model pulls (admins), running and ended, newest first")
    .action(async (_options: unknown, command: Command) => {
      const { output, hearth } = commandContext(command);
      const { data } = unwrap(await hearth.api.GET("/api/admin/models/pulls"));
      output.result(data, () => {
        if (data.length === 0) output.info("No model pulls.");
        else output.table(["ID", "FILE", "STATUS", "PROGRESS", "ERROR"], data.map(pullRow));
      });
    });

  models
    .command("cancel")
    .description("cancel a running model pull (admins); what it downloaded is deleted")
    .argument("<pull>", "the pull's id (hearth models pulls)")
    .action(async (pullId: string, _options: unknown, command: Command) => {
      const { output, hearth } = commandContext(command);
      const pull = unwrap(
        await hearth.api.DELETE("/api/admin/models/pulls/{id}", { params: { path: { id: pullId } } }),
      );
      output.result(pull, () => output.info(`Cancelled the pull of ${printable(pull.fileName)} (${pull.id}).`));
    });

  for (const action of ["load", "unload"] as const) {
    models
      .command(action)
      .description(
        action === "load"
          ? "load a local model into the server's llama.cpp now, rather than on its first use (admins)"
          : "unload a local model from the server's llama.cpp, freeing its memory (admins)",
      )
      .argument("<model>", "its id (local/tiny) or its name (tiny)")
      .action(async (name: string, _options: unknown, command: Command) => {
        const { output, hearth } = commandContext(command);
        const path = action === "load" ? "/api/admin/local-models/load" : "/api/admin/local-models/unload";
        const done = unwrap(await hearth.api.POST(path, { body: { model: name } }));
        const said = { loaded: "Loaded", unloaded: "Unloaded", "not-loaded": "Was not loaded:" }[done.outcome];
        output.result(done, () => output.info(`${said} ${printable(done.model)}.`));
      });
  }

  models
    .command("rm")
    .description("remove a local model: delete its GGUF file from the server's models dir (admins)")
    .argument("<model>", "its id (local/tiny) or its name (tiny)")
    .option("-y, --yes", "remove it without asking")
    .action(async (name: string, options: { yes?: boolean }, command: Command) => {
      const { output, hearth } = commandContext(command);
      if (!options.yes) await confirmRemoval(hearth, name);
      unwrap(await hearth.api.DELETE("/api/admin/local-models/{id}", { params: { path: { id: name } } }));
      // The server takes a local model's name alone too; what was removed is said in full.
      const removed = name.startsWith(`${LOCAL_PROVIDER}/`) ? name : `${LOCAL_PROVIDER}/${name}`;
      output.result({ removed }, () => output.info(`Removed ${printable(removed)}.`));
    });
}

/**
 * Asks before a model's file is deleted (there is no undoing it), having read what it is: a model
 * that is not there fails before the question. Without a terminal to ask on, --yes is needed.
 */
async function confirmRemoval(hearth: HearthClient, name: string): Promise<void> {
  if (!canPrompt()) {
    throw new UsageError(
      `hearth models rm deletes ${name}'s file for good: add --yes, as there is no terminal to ask on`,
    );
  }
  const model = unwrap(await hearth.api.GET("/api/admin/local-models/{id}", { params: { path: { id: name } } }));
  const question = `Delete ${printable(model.id)} (${printable(model.fileName)}, ${formatBytes(model.sizeBytes)}) from the server's models dir?`;
  if (!(await confirm(question, false))) throw new CliError("nothing removed");
}

function pullRow(pull: ModelPull): string[] {
  return [
    pull.id,
    pull.fileName,
    pull.status,
    `${percentDone(pull)}% of ${formatBytes(pull.totalBytes)}`,
    pull.error ?? "-",
  ];
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
