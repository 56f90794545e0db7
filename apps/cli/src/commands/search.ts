/**
 * @module `hearth search <query>`: your messages by keyword, by meaning or both, each hit with its
 * conversation, date, author and a snippet with what matched marked.
 */
import { type components, unwrap } from "@hearth/sdk";
import { type Command, Option } from "commander";
import { commandContext } from "../context.ts";
import { UsageError } from "../errors.ts";
import { type Output, printable, shortDate } from "../output.ts";

type SearchHit = components["schemas"]["SearchHit"];
type SearchResults = components["schemas"]["SearchResults"];
type SearchMode = "hybrid" | "keyword" | "semantic";

const MODES: readonly SearchMode[] = ["hybrid", "keyword", "semantic"];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The most hits the API answers at once. */
const MAX_LIMIT = 50;

interface SearchOptions {
  mode: SearchMode;
  conversation?: string;
  role?: "user" | "assistant";
  model?: string;
  from?: string;
  to?: string;
  limit?: number;
}

/** `hearth search`: the best matches among your messages, best first. */
export function registerSearch(program: Command): void {
  program
    .command("search")
    .description("search your messages by keyword, by meaning or both; best matches first")
    .argument("<query...>", 'what to look for: words, "a phrase", -excluded, or a question')
    .addOption(
      new Option("--mode <mode>", "hybrid: both rankings fused; keyword: words only; semantic: meaning only")
        .choices(MODES)
        .default("hybrid"),
    )
    .option("--conversation <id>", "only this conversation's messages (hearth conversations list)", conversationId)
    .addOption(new Option("--role <role>", "only your messages, or only replies").choices(["user", "assistant"]))
    .option("--model <id>", "only replies of this model")
    .option("--from <date>", "from this day (YYYY-MM-DD) or time (ISO 8601 with an offset) on")
    .option("--to <date>", "before this day or time")
    .option("--limit <count>", `at most this many hits (1–${MAX_LIMIT}; default 20)`, parseLimit)
    .action(async (words: string[], options: SearchOptions, command: Command) => {
      const { output, hearth } = commandContext(command);
      const q = words.join(" ").trim();
      if (q === "") throw new UsageError("the query is empty: say what to look for");
      const query = {
        q,
        mode: options.mode,
        ...(options.conversation === undefined ? {} : { conversationId: options.conversation }),
        ...(options.role === undefined ? {} : { role: options.role }),
        ...(options.model === undefined ? {} : { model: options.model }),
        ...(options.from === undefined ? {} : { from: options.from }),
        ...(options.to === undefined ? {} : { to: options.to }),
        ...(options.limit === undefined ? {} : { limit: options.limit }),
      };
      const results = unwrap(await hearth.api.GET("/api/search", { params: { query } }));
      output.result(results, () => printResults(output, results, options.mode));
    });
}

function parseLimit(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > MAX_LIMIT)
    throw new UsageError(`--limit takes a whole number from 1 to ${MAX_LIMIT}, not ${JSON.stringify(value)}`);
  return count;
}

/** A conversation's id as the API takes it; anything else is refused before asking the server. */
function conversationId(value: string): string {
  if (!UUID.test(value))
    throw new UsageError(
      `--conversation takes a conversation's id (hearth conversations list), not ${JSON.stringify(value)}`,
    );
  return value.toLowerCase();
}

function printResults(output: Output, results: SearchResults, mode: SearchMode): void {
  if (results.data.length === 0) output.info("No messages found.");
  results.data.forEach((hit, index) => {
    if (index > 0) output.line();
    printHit(output, hit);
  });
  // Notes go to stderr: stdout stays the hits alone.
  if (mode === "hybrid" && !results.rankedBy.includes("semantic")) {
    output.info(
      "Searched by keyword only: search by meaning needs an embedding model (search.embeddingModel), and none is set or it did not answer.",
    );
  }
  const { messagesToIndex, chunksToEmbed } = results.indexing;
  if (messagesToIndex > 0) {
    output.info(
      `${messagesToIndex} ${messagesToIndex === 1 ? "message is" : "messages are"} still being indexed and not searched yet.`,
    );
  }
  if (results.rankedBy.includes("semantic") && chunksToEmbed > 0) {
    output.info(
      `${chunksToEmbed} ${chunksToEmbed === 1 ? "passage is" : "passages are"} not searchable by meaning yet.`,
    );
  }
}

/** `Title · 2026-12-03 14:05 · you · <conversation id>`, then the snippet, indented, with its matches marked. */
function printHit(output: Output, hit: SearchHit): void {
  const author =
    hit.role === "user" ? output.style("cyan", "you") : output.style("green", printable(hit.model ?? "assistant"));
  const title = output.style("bold", printable(hit.conversationTitle));
  output.line(`${title} · ${shortDate(hit.createdAt)} · ${author} · ${output.style("dim", hit.conversationId)}`);
  output.line(`  ${markedSnippet(output, hit)}`);
}

/**
 * The snippet on one line with each highlight in bold, or in [brackets] without colours. The
 * offsets point into the snippet as the server sent it, so it is cut first and each part made
 * printable after (an escape shown as `\x1b` is longer than the character it stands for).
 */
function markedSnippet(output: Output, hit: SearchHit): string {
  const mark = (text: string) => (output.hasColor ? output.style("bold", text) : `[${text}]`);
  let marked = "";
  let at = 0;
  for (const { start, end } of hit.highlights) {
    if (start < at || end <= start || end > hit.snippet.length) continue;
    marked += printable(hit.snippet.slice(at, start)) + mark(printable(hit.snippet.slice(start, end)));
    at = end;
  }
  return (marked + printable(hit.snippet.slice(at))).trim();
}
