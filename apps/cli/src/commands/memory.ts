/**
 * @module `hearth memory list|add|rm|edit|save|on|off|settings|export`: the short facts replies read
 * about you (saved by you, or proposed by the model), and whether replies read them at all.
 */
import { writeFileSync } from "node:fs";
import { type components, type HearthClient, paginate, unwrap } from "@hearth/sdk";
import { type Command, Option } from "commander";
import { commandContext } from "../context.ts";
import { CliError, UsageError } from "../errors.ts";
import { type Output, printable, shortDate } from "../output.ts";
import { canPrompt, confirm } from "../prompts.ts";

type Memory = components["schemas"]["Memory"];
type MemorySettings = components["schemas"]["MemorySettings"];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The most memories the API answers in one page. */
const PAGE_SIZE = 200;
const MEMORY_OFF = "Memory is off: replies read none of your memories (hearth memory on turns it on).";

export function registerMemory(program: Command): void {
  const memory = program
    .command("memory")
    .description("memory: short facts about you that replies read, saved by you or proposed by the model");

  memory
    .command("list")
    .description("list your memories, newest first")
    .option("--proposed", "only the model's proposals waiting for you (hearth memory save keeps one)")
    .option("--limit <count>", "list at most this many", parseCount)
    .action(async (options: { proposed?: boolean; limit?: number }, command: Command) => {
      const { output, hearth } = commandContext(command);
      const listed = await listMemories(hearth, options);
      output.result(listed, () => {
        if (listed.length === 0) output.info(options.proposed ? "No proposals." : "No memories.");
        else output.table(["ID", "STATUS", "SOURCE", "ADDED", "MEMORY"], listed.map(memoryRow));
      });
      if (!output.isJson && !unwrap(await hearth.api.GET("/api/memory/settings")).enabled) output.info(MEMORY_OFF);
    });

  memory
    .command("add")
    .description("save a fact about you for replies to read")
    .argument("<fact...>", 'the fact, one line of up to 500 characters: "Prefers metric units."')
    .action(async (words: string[], _options: unknown, command: Command) => {
      const { output, hearth } = commandContext(command);
      const content = factOf(words);
      const added = await hearth.api.POST("/api/memories", { body: { content } });
      const kept = unwrap(added);
      const said = added.response.status === 201 ? "Saved" : "Kept already";
      output.result(kept, () => output.info(`${said}: ${printable(kept.content)} (${kept.id})`));
    });

  memory
    .command("rm")
    .description("delete a memory or dismiss a proposal; --all deletes every memory")
    .argument("[id]", "the memory's id (hearth memory list)", memoryId)
    .option("--all", "delete every memory, saved and proposed (your conversations stay)")
    .option("-y, --yes", "with --all: delete them without asking")
    .action(async (id: string | undefined, options: { all?: boolean; yes?: boolean }, command: Command) => {
      const { output, hearth } = commandContext(command);
      if (options.all && id !== undefined) throw new UsageError("give a memory's id or --all, not both");
      if (id !== undefined) {
        unwrap(await hearth.api.DELETE("/api/memories/{id}", { params: { path: { id } } }));
        output.result({ deleted: id }, () => output.info(`Deleted the memory ${id}.`));
        return;
      }
      if (!options.all) throw new UsageError("give a memory's id (hearth memory list), or --all to delete every one");
      if (!options.yes) await confirmDeleteAll(hearth);
      const { deleted } = unwrap(await hearth.api.DELETE("/api/memories"));
      output.result({ deleted }, () => output.info(`Deleted ${deleted} ${deleted === 1 ? "memory" : "memories"}.`));
    });

  memory
    .command("edit")
    .description("change what a memory says")
    .argument("<id>", "the memory's id (hearth memory list)", memoryId)
    .argument("<fact...>", "what it says now, one line")
    .action(async (id: string, words: string[], _options: unknown, command: Command) => {
      const { output, hearth } = commandContext(command);
      const body = { content: factOf(words) };
      const changed = unwrap(await hearth.api.PATCH("/api/memories/{id}", { params: { path: { id } }, body }));
      output.result(changed, () => output.info(`Changed: ${printable(changed.content)}`));
    });

  memory
    .command("save")
    .description("save a proposal of the model's, for replies to read")
    .argument("<id>", "the proposal's id (hearth memory list --proposed)", memoryId)
    .action(async (id: string, _options: unknown, command: Command) => {
      const { output, hearth } = commandContext(command);
      const body = { status: "saved" as const };
      const saved = unwrap(await hearth.api.PATCH("/api/memories/{id}", { params: { path: { id } }, body }));
      output.result(saved, () => output.info(`Saved: ${printable(saved.content)}`));
    });

  for (const enabled of [true, false]) {
    memory
      .command(enabled ? "on" : "off")
      .description(
        enabled
          ? "turn memory on: replies read your memories (and, with recall from history, your other conversations)"
          : "turn memory off: replies read none of it, and the model proposes nothing (your memories stay)",
      )
      .action(async (_options: unknown, command: Command) => {
        const { output, hearth } = commandContext(command);
        const settings = unwrap(await hearth.api.PATCH("/api/memory/settings", { body: { enabled } }));
        output.result(settings, () => printSettings(output, settings));
      });
  }

  const onOffOption = (flags: string, description: string) => new Option(flags, description).choices(["on", "off"]);
  memory
    .command("settings")
    .description("show your memory settings, or change them")
    .addOption(
      onOffOption("--auto-save <on|off>", "on: what the model proposes is saved at once; off: it waits for you"),
    )
    .addOption(
      onOffOption("--recall-history <on|off>", "replies also read the most relevant passages of your other chats"),
    )
    .action(async (options: { autoSave?: "on" | "off"; recallHistory?: "on" | "off" }, command: Command) => {
      const { output, hearth } = commandContext(command);
      const body = {
        ...(options.autoSave === undefined ? {} : { autoSave: options.autoSave === "on" }),
        ...(options.recallHistory === undefined ? {} : { recallHistory: options.recallHistory === "on" }),
      };
      const settings = unwrap(
        Object.keys(body).length === 0
          ? await hearth.api.GET("/api/memory/settings")
          : await hearth.api.PATCH("/api/memory/settings", { body }),
      );
      output.result(settings, () => printSettings(output, settings));
    });

  memory
    .command("export")
    .description("export your memory settings and every memory, oldest first, as JSON")
    .option("-o, --output <file>", "write to this file instead of stdout")
    .action(async (options: { output?: string }, command: Command) => {
      const { output, hearth } = commandContext(command);
      const exported = unwrap(await hearth.api.GET("/api/memories/export"));
      const text = `${JSON.stringify(exported, null, 2)}\n`;
      if (options.output === undefined) {
        output.write(text);
        return;
      }
      writeExport(options.output, text);
      const count = exported.memories.length;
      output.info(`Wrote ${count} ${count === 1 ? "memory" : "memories"} to ${options.output}.`);
    });
}

async function listMemories(hearth: HearthClient, options: { proposed?: boolean; limit?: number }): Promise<Memory[]> {
  const limit = Math.min(options.limit ?? PAGE_SIZE, PAGE_SIZE);
  const status = options.proposed ? { status: "proposed" as const } : {};
  const pages = paginate((cursor) =>
    hearth.api.GET("/api/memories", { params: { query: { limit, ...status, ...(cursor ? { cursor } : {}) } } }),
  );
  const listed: Memory[] = [];
  for await (const memory of pages) {
    if (listed.length === options.limit) break;
    listed.push(memory);
  }
  return listed;
}

/**
 * Asks before every memory goes (there is no undoing it), saying how many. Without a terminal to ask
 * on, --yes is needed.
 */
async function confirmDeleteAll(hearth: HearthClient): Promise<void> {
  if (!canPrompt())
    throw new UsageError("hearth memory rm --all deletes every memory for good: add --yes, as there is no terminal");
  const { saved, proposed } = unwrap(await hearth.api.GET("/api/memory/settings"));
  if (!(await confirm(`Delete all ${saved} saved memories and ${proposed} proposals?`, false)))
    throw new CliError("nothing deleted");
}

/** The words of a fact joined with spaces; an empty one is refused before asking the server. */
function factOf(words: readonly string[]): string {
  const fact = words.join(" ").trim();
  if (fact === "") throw new UsageError('the fact is empty: say what to remember ("Prefers metric units.")');
  return fact;
}

/** A memory's id as the API takes it; anything else is refused before asking the server. */
function memoryId(value: string): string {
  if (!UUID.test(value))
    throw new UsageError(`not a memory's id: ${JSON.stringify(value)} (hearth memory list shows them)`);
  return value.toLowerCase();
}

function parseCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1)
    throw new UsageError(`--limit takes a whole number above 0, not ${JSON.stringify(value)}`);
  return count;
}

function memoryRow(memory: Memory): string[] {
  return [
    memory.id,
    memory.status,
    memory.source === "user" ? "you" : "model",
    shortDate(memory.createdAt),
    memory.content,
  ];
}

function printSettings(output: Output, settings: MemorySettings): void {
  const onOff = (value: boolean) => (value ? "on" : "off");
  output.fields([
    ["memory", onOff(settings.enabled)],
    ["automatic saving", onOff(settings.autoSave)],
    ["recall from history", onOff(settings.recallHistory)],
    ["saved", String(settings.saved)],
    ["proposals", String(settings.proposed)],
  ]);
}

/** A file that cannot be written is a one-line failure, not a stack. */
function writeExport(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (error) {
    throw new CliError(`cannot write ${file}: ${(error as Error).message}`, { cause: error });
  }
}
