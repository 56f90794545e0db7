/**
 * @module `hearth assistants list|show|create|edit|rm`: named models with a system prompt, sampling and
 * tools, personal or (made by admins) shared with everyone; `hearth chat --assistant` starts from one.
 */
import { readFile } from "node:fs/promises";
import { type components, type HearthClient, paginate, unwrap } from "@hearth/sdk";
import { type Command, InvalidArgumentError } from "commander";
import { commandContext } from "../context.ts";
import { CliError } from "../errors.ts";
import { type Output, printable, shortDate } from "../output.ts";

type Assistant = components["schemas"]["Assistant"];
type Sampling = components["schemas"]["ModelSampling"];
type AssistantChange = components["schemas"]["UpdateAssistantInput"];

/** What `default` means for the model and a sampling option: the server's (the model's) own. */
const DEFAULT = "default";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function registerAssistants(program: Command): void {
  const assistants = program
    .command("assistants")
    .description(
      "assistants: a model, system prompt, sampling and tools to start chats from (hearth chat --assistant)",
    );

  assistants
    .command("list")
    .description("list your assistants and the shared ones, newest first")
    .action(async (_options: unknown, command: Command) => {
      const { output, hearth } = commandContext(command);
      const listed = await allAssistants(hearth);
      output.result(listed, () => {
        if (listed.length === 0) output.info("No assistants: hearth assistants create makes one.");
        else output.table(["ID", "NAME", "MODEL", "SHARED", "TOOLS"], listed.map(assistantRow));
      });
    });

  assistants
    .command("show")
    .description("show an assistant's settings")
    .argument("<assistant>", "its name or id")
    .action(async (nameOrId: string, _options: unknown, command: Command) => {
      const { output, hearth } = commandContext(command);
      const assistant = await findAssistant(hearth, nameOrId);
      output.result(assistant, () => printAssistant(output, assistant));
    });

  withSettingOptions(
    assistants
      .command("create")
      .description("make an assistant; --shared shares it with everyone (admins)")
      .argument("<name>", "what it is called (up to 100 characters)"),
  ).action(async (name: string, options: SettingOptions, command: Command) => {
    const { output, hearth } = commandContext(command);
    const body = { name, ...(await changeOf(options)) };
    const made = unwrap(await hearth.api.POST("/api/assistants", { body }));
    output.result(made, () => printAssistant(output, made));
  });

  withSettingOptions(
    assistants
      .command("edit")
      .description("change an assistant's settings; the others are kept. Chats started from it keep theirs")
      .argument("<assistant>", "its name or id")
      .option("--name <name>", "a new name"),
  )
    // After --shared: defined first, --no-shared would make sharing the default of every edit.
    .option("--no-shared", "stop sharing it (admins)")
    .action(async (nameOrId: string, options: SettingOptions & { name?: string }, command: Command) => {
      const { output, hearth } = commandContext(command);
      const change: AssistantChange = {
        ...(options.name === undefined ? {} : { name: options.name }),
        ...(await changeOf(options)),
      };
      if (Object.keys(change).length === 0)
        throw new CliError("nothing to change: give at least one option (hearth assistants edit --help lists them)");
      const { id, sampling } = await findAssistant(hearth, nameOrId);
      // The API replaces sampling whole: the options not given keep their values.
      if (change.sampling !== undefined) change.sampling = { ...sampling, ...change.sampling };
      const saved = unwrap(await hearth.api.PATCH("/api/assistants/{id}", { params: { path: { id } }, body: change }));
      output.result(saved, () => printAssistant(output, saved));
    });

  assistants
    .command("rm")
    .description("delete an assistant (chats started from it keep their settings)")
    .argument("<assistant>", "its name or id")
    .action(async (nameOrId: string, _options: unknown, command: Command) => {
      const { output, hearth } = commandContext(command);
      const { id, name } = await findAssistant(hearth, nameOrId);
      unwrap(await hearth.api.DELETE("/api/assistants/{id}", { params: { path: { id } } }));
      output.result({ deleted: id }, () => output.info(`Deleted the assistant ${printable(name)}.`));
    });
}

/**
 * The assistant with this id, else the one with this name (exactly, then ignoring case). A name that
 * several of them have is refused, listing their ids.
 */
export async function findAssistant(hearth: HearthClient, nameOrId: string): Promise<Assistant> {
  if (UUID.test(nameOrId))
    return unwrap(await hearth.api.GET("/api/assistants/{id}", { params: { path: { id: nameOrId } } }));
  const all = await allAssistants(hearth);
  const exact = all.filter((assistant) => assistant.name === nameOrId);
  const matches =
    exact.length > 0 ? exact : all.filter((assistant) => assistant.name.toLowerCase() === nameOrId.toLowerCase());
  const [found, ...others] = matches;
  if (found === undefined)
    throw new CliError(`no assistant is named ${printable(nameOrId)} (hearth assistants list shows them)`);
  if (others.length > 0)
    throw new CliError(
      `${matches.length} assistants are named ${printable(nameOrId)}: give the id of one (${matches.map((each) => each.id).join(", ")})`,
    );
  return found;
}

async function allAssistants(hearth: HearthClient): Promise<Assistant[]> {
  const listed: Assistant[] = [];
  const pages = paginate((cursor) =>
    hearth.api.GET("/api/assistants", { params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } } }),
  );
  for await (const assistant of pages) listed.push(assistant);
  return listed;
}

interface SettingOptions {
  description?: string;
  model?: string;
  systemPrompt?: string;
  temperature?: number | typeof DEFAULT;
  topP?: number | typeof DEFAULT;
  topK?: number | typeof DEFAULT;
  minP?: number | typeof DEFAULT;
  repeatPenalty?: number | typeof DEFAULT;
  maxTokens?: number | typeof DEFAULT;
  tools?: string[];
  shared?: boolean;
}

function withSettingOptions(command: Command): Command {
  return command
    .option("--description <text>", 'what it is for (up to 500 characters; "" removes it)')
    .option("--model <id>", "the model its chats use (hearth models list); default: the server's")
    .option("--system-prompt <text>", 'the instructions its chats start with (@file reads a file; "" removes them)')
    .option("--temperature <number>", "sampling temperature (0–2; default: the model's)", orDefault(number))
    .option("--top-p <number>", "nucleus sampling (0–1)", orDefault(number))
    .option("--top-k <number>", "top-k sampling", orDefault(integer))
    .option("--min-p <number>", "min-p sampling (0–1)", orDefault(number))
    .option("--repeat-penalty <number>", "repeat penalty (1: none)", orDefault(number))
    .option("--max-tokens <tokens>", "the longest reply", orDefault(integer))
    .option("--tools <names>", 'tools its chats may call, comma-separated (hearth chat /tools; "" for none)', list)
    .option("--shared", "share it with everyone (admins)");
}

/** The settings given, as the API takes them: `default` is null (the model's or server's own), `@path` a file's text. */
async function changeOf(options: SettingOptions): Promise<Omit<AssistantChange, "name">> {
  const change: Omit<AssistantChange, "name"> = {};
  if (options.description !== undefined)
    change.description = options.description.trim() === "" ? null : options.description;
  if (options.model !== undefined) change.model = options.model === DEFAULT ? null : options.model;
  if (options.systemPrompt !== undefined) change.systemPrompt = await fileOrText(options.systemPrompt);
  const sampling: Sampling = {};
  const value = (given: number | typeof DEFAULT) => (given === DEFAULT ? null : given);
  if (options.temperature !== undefined) sampling.temperature = value(options.temperature);
  if (options.topP !== undefined) sampling.topP = value(options.topP);
  if (options.topK !== undefined) sampling.topK = value(options.topK);
  if (options.minP !== undefined) sampling.minP = value(options.minP);
  if (options.repeatPenalty !== undefined) sampling.repeatPenalty = value(options.repeatPenalty);
  if (options.maxTokens !== undefined) sampling.maxOutputTokens = value(options.maxTokens);
  if (Object.keys(sampling).length > 0) change.sampling = sampling;
  if (options.tools !== undefined) change.tools = options.tools;
  if (options.shared !== undefined) change.isShared = options.shared;
  return change;
}

async function fileOrText(given: string): Promise<string> {
  if (!given.startsWith("@")) return given;
  const path = given.slice(1);
  return readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read ${path}: ${error.code ?? error.message}`);
  });
}

const orDefault =
  <T>(parse: (value: string) => T) =>
  (value: string): T | typeof DEFAULT =>
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

function list(value: string): string[] {
  return value
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
}

function assistantRow(assistant: Assistant): string[] {
  return [
    assistant.id,
    assistant.name,
    assistant.model ?? "default",
    assistant.isShared ? "yes" : "no",
    assistant.tools.join(",") || "-",
  ];
}

function printAssistant(output: Output, assistant: Assistant): void {
  const sampling = Object.entries(assistant.sampling)
    .filter(([, value]) => value != null)
    .map(([name, value]) => `${name} ${value}`);
  output.fields([
    ["id", assistant.id],
    ["name", printable(assistant.name)],
    ["description", assistant.description === null ? "-" : printable(assistant.description)],
    ["model", assistant.model ?? "the server's default"],
    ["system prompt", assistant.systemPrompt === null ? "none" : printable(assistant.systemPrompt)],
    ["sampling", sampling.join(", ") || "the model's own"],
    ["tools", assistant.tools.join(", ") || "none"],
    ["shared", assistant.isShared ? "yes, with everyone" : "no"],
    ["updated", shortDate(assistant.updatedAt)],
  ]);
}
