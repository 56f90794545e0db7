import { writeFileSync } from "node:fs";
import { paginate, unwrap } from "@hearth/sdk";
import { type Command, Option } from "commander";
import { commandContext } from "../context.ts";
import { conversationMarkdown } from "../conversation-markdown.ts";
import { type Conversation, fetchActiveBranch, fetchTree, type MessageNode } from "../conversation-messages.ts";
import { CliError, UsageError } from "../errors.ts";
import { type Output, printable, shortDate } from "../output.ts";

/** `hearth conversations list|show|export|rm|restore|pin|unpin`. */
export function registerConversations(program: Command): void {
  const conversations = program
    .command("conversations")
    .description("your conversations: list, read, export, delete, restore, pin");

  conversations
    .command("list")
    .description("list your conversations, pinned ones first, then most recently updated first")
    .option("--deleted", "list the deleted ones instead (hearth conversations restore brings one back)")
    .option("--filter <text>", "only those whose title contains this text (ignoring case)")
    .option("--limit <count>", "list at most this many", parseCount)
    .action(async (options: { deleted?: boolean; filter?: string; limit?: number }, command: Command) => {
      const { output, hearth } = commandContext(command);
      const deleted = options.deleted ? "true" : "false";
      const filter = options.filter === undefined ? {} : { q: options.filter };
      const pages = paginate((cursor) =>
        hearth.api.GET("/api/conversations", {
          params: { query: { deleted, ...filter, ...(cursor ? { cursor } : {}) } },
        }),
      );
      const listed: Conversation[] = [];
      for await (const conversation of pages) {
        if (listed.length === options.limit) break;
        listed.push(conversation);
      }
      output.result(listed, () => {
        if (listed.length === 0) output.info(options.deleted ? "No deleted conversations." : "No conversations.");
        else output.table(["ID", "UPDATED", "PINNED", "MODEL", "TITLE"], listed.map(conversationRow));
      });
    });

  conversations
    .command("show")
    .description("show a conversation and its active branch")
    .argument("<id>", "the conversation's id (hearth conversations list)")
    .action(async (id: string, _options: unknown, command: Command) => {
      const { output, hearth } = commandContext(command);
      const conversation = unwrap(await hearth.api.GET("/api/conversations/{id}", { params: { path: { id } } }));
      const messages = await fetchActiveBranch(hearth, id);
      output.result({ conversation, messages }, () => printConversation(output, conversation, messages));
    });

  conversations
    .command("export")
    .description("export a conversation as Markdown or JSON: its active branch, or every branch")
    .argument("<id>", "the conversation's id")
    .addOption(new Option("--format <format>", "md or json (json with --json)").choices(["md", "json"]))
    .addOption(
      new Option("--branch <branch>", "the active branch, or every branch")
        .choices(["active", "all"])
        .default("active"),
    )
    .option("-o, --output <file>", "write to this file instead of stdout")
    .action(async (id: string, options: ExportOptions, command: Command) => {
      const { output, hearth } = commandContext(command);
      const format = options.format ?? (output.isJson ? "json" : "md");
      const conversation = unwrap(await hearth.api.GET("/api/conversations/{id}", { params: { path: { id } } }));
      const messages = options.branch === "all" ? await fetchTree(hearth, id) : await fetchActiveBranch(hearth, id);
      const text =
        format === "json"
          ? `${JSON.stringify({ conversation, branch: options.branch, messages }, null, 2)}\n`
          : conversationMarkdown(conversation, messages, options.branch);
      if (options.output === undefined) {
        output.write(text);
        return;
      }
      writeExport(options.output, text);
      output.info(`Wrote ${messages.length} messages of "${printable(conversation.title)}" to ${options.output}.`);
    });

  conversations
    .command("rm")
    .description("delete conversations (hearth conversations restore brings one back)")
    .argument("<ids...>", "the conversations' ids")
    .action(async (ids: string[], _options: unknown, command: Command) => {
      const { output, hearth } = commandContext(command);
      for (const id of ids) {
        unwrap(await hearth.api.DELETE("/api/conversations/{id}", { params: { path: { id } } }));
        if (!output.isJson) output.info(`Deleted ${id}; hearth conversations restore ${id} brings it back.`);
      }
      if (output.isJson) output.json({ deleted: ids });
    });

  conversations
    .command("restore")
    .description("bring deleted conversations back (hearth conversations list --deleted lists them)")
    .argument("<ids...>", "the conversations' ids")
    .action(async (ids: string[], _options: unknown, command: Command) => {
      const { output, hearth } = commandContext(command);
      const restored: Conversation[] = [];
      for (const id of ids) {
        restored.push(unwrap(await hearth.api.POST("/api/conversations/{id}/restore", { params: { path: { id } } })));
      }
      output.result(restored, () => {
        for (const conversation of restored)
          output.info(`Restored "${printable(conversation.title)}" (${conversation.id}).`);
      });
    });

  for (const pinned of [true, false]) {
    conversations
      .command(pinned ? "pin" : "unpin")
      .description(pinned ? "pin conversations: they head the list" : "unpin conversations")
      .argument("<ids...>", "the conversations' ids")
      .action(async (ids: string[], _options: unknown, command: Command) => {
        const { output, hearth } = commandContext(command);
        const changed: Conversation[] = [];
        for (const id of ids) {
          changed.push(
            unwrap(await hearth.api.PATCH("/api/conversations/{id}", { params: { path: { id } }, body: { pinned } })),
          );
        }
        output.result(changed, () => {
          for (const conversation of changed)
            output.info(`${pinned ? "Pinned" : "Unpinned"} "${printable(conversation.title)}" (${conversation.id}).`);
        });
      });
  }
}

interface ExportOptions {
  format?: "md" | "json";
  branch: "active" | "all";
  output?: string;
}

function parseCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1)
    throw new UsageError(`--limit takes a whole number above 0, not ${JSON.stringify(value)}`);
  return count;
}

function conversationRow(conversation: Conversation): string[] {
  return [
    conversation.id,
    shortDate(conversation.updatedAt),
    conversation.pinnedAt === null ? "-" : "yes",
    conversation.model ?? "-",
    conversation.title,
  ];
}

function printConversation(output: Output, conversation: Conversation, messages: readonly MessageNode[]): void {
  output.fields([
    ["title", conversation.title],
    ["id", conversation.id],
    ["model", conversation.model ?? "the server's default"],
    ["tools", conversation.tools.join(", ") || "-"],
    ["system prompt", conversation.systemPrompt ?? "-"],
    ["pinned", conversation.pinnedAt === null ? "no" : shortDate(conversation.pinnedAt)],
    ["created", shortDate(conversation.createdAt)],
    ["updated", shortDate(conversation.updatedAt)],
  ]);
  for (const message of messages) {
    const who =
      message.role === "user" ? output.style("cyan", "You") : output.style("green", message.model ?? "Assistant");
    const status =
      message.status === "done" || message.role === "user" ? "" : output.style("yellow", ` (${message.status})`);
    output.line();
    output.line(`${output.style("bold", who)}${status}`);
    output.line(printable(message.content, { multiline: true }));
    if (message.status === "error" && message.error) output.line(output.style("red", printable(message.error)));
  }
}

/** A file that cannot be written is a one-line failure, not a stack. */
function writeExport(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (error) {
    throw new CliError(`cannot write ${file}: ${(error as Error).message}`, { cause: error });
  }
}
