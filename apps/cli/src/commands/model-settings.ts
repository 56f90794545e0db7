import { readFile } from "node:fs/promises";
import {
  changeModelSettings,
  type components,
  type ModelSettings,
  type ModelSettingsChange,
  unwrap,
} from "@hearth/sdk";
import { type Command, InvalidArgumentError } from "commander";
import { commandContext } from "../context.ts";
import { CliError } from "../errors.ts";
import { formatBytes, type Output, printable, shortDate } from "../output.ts";

type LocalModelState = components["schemas"]["LocalModelState"];
type LocalEngine = components["schemas"]["LocalEngine"];

/** What `default` means on the command line: the setting goes back to what it is unset. */
const DEFAULT = "default";

/**
 * `hearth models local|settings|set|reset` (admins): the local models as the server's llama.cpp
 * holds them, and each model's settings: how it loads and what its calls get by default.
 */
export function registerModelSettings(models: Command): void {
  models
    .command("local")
    .description("the local models of the server node that answers: loaded or not, how, on which GPU (admins)")
    .action(async (_options: unknown, command: Command) => {
      const { output, hearth } = commandContext(command);
      const listed = unwrap(await hearth.api.GET("/api/admin/local-models"));
      output.result(listed, () => {
        output.info(engineLine(listed.engine));
        if (listed.data.length === 0) output.info("No local models: hearth models pull adds one.");
        else
          output.table(
            ["ID", "STATE", "CONTEXT", "GPU LAYERS", "FORMAT", "BUSY", "UNLOADS", "SIZE"],
            listed.data.map(localRow),
          );
      });
    });

  models
    .command("settings")
    .description("show a local model's settings (admins)")
    .argument("<model>", "its id (local/tiny) or its name (tiny)")
    .action(async (name: string, _options: unknown, command: Command) => {
      const { output, hearth } = commandContext(command);
      const settings = unwrap(
        await hearth.api.GET("/api/admin/model-settings/{id}", { params: { path: { id: name } } }),
      );
      output.result(settings, () => printSettings(output, settings));
    });

  models
    .command("set")
    .description(
      "change a local model's settings (admins); the others are kept. `default` puts one back. A loaded model " +
        "whose context, GPU layers or chat template change reloads once idle",
    )
    .argument("<model>", "its id (local/tiny) or its name (tiny)")
    .option("--context-size <tokens>", "tokens of context per sequence", orDefault(integer))
    .option("--gpu-layers <layers>", "layers on the GPU: auto, or a number (0: CPU only)", orDefault(gpuLayers))
    .option(
      "--chat-template <format>",
      "a built-in format (chatML, llama3.1, …), @file.jinja, or a template",
      orDefault(text),
    )
    .option("--keep-loaded <time>", "unload once idle this long: 90s, 10m, 2h, 1d", orDefault(duration))
    .option("--system-prompt <text>", "instructions for calls without their own (@file reads a file)", orDefault(text))
    .option("--temperature <number>", "default sampling temperature (0–2)", orDefault(number))
    .option("--top-p <number>", "default nucleus sampling (0–1)", orDefault(number))
    .option("--top-k <number>", "default top-k sampling", orDefault(integer))
    .option("--min-p <number>", "default min-p sampling (0–1)", orDefault(number))
    .option("--repeat-penalty <number>", "default repeat penalty (1: none)", orDefault(number))
    .option("--max-tokens <tokens>", "default longest reply", orDefault(integer))
    .action(async (name: string, options: SetOptions, command: Command) => {
      const { output, hearth } = commandContext(command);
      const change = await changeOf(options);
      if (Object.keys(change).length === 0 && Object.keys(change.sampling ?? {}).length === 0)
        throw new CliError("nothing to change: give at least one option (hearth models set --help lists them)");
      const saved = await changeModelSettings(hearth, name, change);
      output.result(saved, () => printSettings(output, saved));
    });

  models
    .command("reset")
    .description("put every setting of a local model back to its default (admins)")
    .argument("<model>", "its id (local/tiny) or its name (tiny)")
    .action(async (name: string, _options: unknown, command: Command) => {
      const { output, hearth } = commandContext(command);
      unwrap(await hearth.api.DELETE("/api/admin/model-settings/{id}", { params: { path: { id: name } } }));
      output.result({ reset: name }, () => output.info(`The settings of ${printable(name)} are the defaults again.`));
    });
}

type Default = typeof DEFAULT;
interface SetOptions {
  contextSize?: number | Default;
  gpuLayers?: number | "auto" | Default;
  chatTemplate?: string | Default;
  keepLoaded?: number | Default;
  systemPrompt?: string | Default;
  temperature?: number | Default;
  topP?: number | Default;
  topK?: number | Default;
  minP?: number | Default;
  repeatPenalty?: number | Default;
  maxTokens?: number | Default;
}

/** The options given, as a change: `default` is null (the server's default), `@path` a file's text. */
async function changeOf(options: SetOptions): Promise<ModelSettingsChange> {
  const change: ModelSettingsChange = {};
  const value = <T>(given: T | Default): T | null => (given === DEFAULT ? null : given);
  if (options.contextSize !== undefined) change.contextSize = value(options.contextSize);
  if (options.gpuLayers !== undefined) change.gpuLayers = value(options.gpuLayers) ?? "auto";
  if (options.chatTemplate !== undefined) change.chatTemplate = await fileOrText(value(options.chatTemplate));
  if (options.keepLoaded !== undefined) change.keepLoadedSeconds = value(options.keepLoaded);
  if (options.systemPrompt !== undefined) change.systemPrompt = await fileOrText(value(options.systemPrompt));
  const sampling: NonNullable<ModelSettingsChange["sampling"]> = {};
  if (options.temperature !== undefined) sampling.temperature = value(options.temperature);
  if (options.topP !== undefined) sampling.topP = value(options.topP);
  if (options.topK !== undefined) sampling.topK = value(options.topK);
  if (options.minP !== undefined) sampling.minP = value(options.minP);
  if (options.repeatPenalty !== undefined) sampling.repeatPenalty = value(options.repeatPenalty);
  if (options.maxTokens !== undefined) sampling.maxOutputTokens = value(options.maxTokens);
  if (Object.keys(sampling).length > 0) change.sampling = sampling;
  return change;
}

async function fileOrText(given: string | null): Promise<string | null> {
  if (given === null || !given.startsWith("@")) return given;
  const path = given.slice(1);
  return readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read ${path}: ${error.code ?? error.message}`);
  });
}

const orDefault =
  <T>(parse: (value: string) => T) =>
  (value: string): T | Default =>
    value === DEFAULT ? DEFAULT : parse(value);

function number(value: string): number {
  const parsed = Number(value);
  if (value.trim() === "" || !Number.isFinite(parsed)) throw new InvalidArgumentError("must be a number");
  return parsed;
}

function integer(value: string): number {
  const parsed = number(value);
  if (!Number.isInteger(parsed)) throw new InvalidArgumentError("must be a whole number");
  return parsed;
}

function gpuLayers(value: string): number | "auto" {
  return value === "auto" ? "auto" : integer(value);
}

function text(value: string): string {
  return value;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90`, `90s`, `10m`, `2h`, `1d` as seconds. */
function duration(value: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(value.trim());
  if (match === null) throw new InvalidArgumentError("must be a time such as 90s, 10m, 2h or 1d");
  return Number(match[1]) * (UNITS[match[2] || "s"] as number);
}

function seconds(total: number): string {
  for (const [unit, size] of [
    ["d", 86_400],
    ["h", 3600],
    ["m", 60],
  ] as const) {
    if (total % size === 0) return `${total / size}${unit}`;
  }
  return `${total}s`;
}

function engineLine(engine: LocalEngine): string {
  if (!engine.isRunning) return "llama.cpp is not running on this node (it starts on a model's first use).";
  const gpu = engine.gpu === false || engine.gpu === null ? "no GPU (CPU only)" : `GPU: ${engine.gpu}`;
  const devices = engine.gpuDevices.length > 0 ? ` (${engine.gpuDevices.join(", ")})` : "";
  return `llama.cpp (${engine.buildType ?? "?"} build, ${engine.threads ?? "?"} threads), ${gpu}${devices}.`;
}

function localRow(model: LocalModelState): string[] {
  const dash = (value: number | string | null) => (value === null ? "-" : String(value));
  return [
    model.id,
    model.isStale ? `${model.state} (reloads when idle)` : model.state,
    dash(model.contextSize),
    dash(model.gpuLayers),
    dash(model.chatFormat),
    model.state === "loaded" ? `${model.busy}${model.waiting > 0 ? ` +${model.waiting} waiting` : ""}` : "-",
    model.unloadsAt === null ? "-" : shortDate(model.unloadsAt),
    formatBytes(model.sizeBytes ?? undefined),
  ];
}

function printSettings(output: Output, settings: ModelSettings): void {
  const sampling = Object.entries(settings.sampling)
    .filter(([, value]) => value != null)
    .map(([name, value]) => `${name} ${value}`);
  const template = settings.chatTemplate;
  output.fields([
    ["context size", settings.contextSize === null ? "default" : `${settings.contextSize} tokens`],
    ["gpu layers", String(settings.gpuLayers)],
    [
      "chat template",
      template === null
        ? "the model's own"
        : template.includes("\n") || template.length > 60
          ? "a Jinja template"
          : template,
    ],
    [
      "keep loaded",
      settings.keepLoadedSeconds === null ? "until the room is needed" : seconds(settings.keepLoadedSeconds),
    ],
    ["system prompt", settings.systemPrompt === null ? "none" : printable(settings.systemPrompt)],
    ["sampling", sampling.join(", ") || "the model's own"],
  ]);
}
