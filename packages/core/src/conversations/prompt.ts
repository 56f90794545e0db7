import type { Queryable } from "@hearth/db";
import type { ContextWindow, PromptMessage, ToolOptions } from "@hearth/engine/spec";
import {
  readSummary,
  type StoredSummary,
  type Summarizer,
  summaryEnds,
  summaryRoom,
  withSummary,
  writeSummary,
} from "./context-summary.ts";
import { ancestors, type MessageRow } from "./messages.ts";
import { replyPromptMessages } from "./reply-prompt-messages.ts";

/** Kept free besides the reply, for a template that counts a little differently at the edges. */
export const RESERVE_TOKENS = 8;
/** Ancestors read per round trip while filling the context. */
const PAGE = 32;
/** Older messages one new summary may read (its model calls read fewer: see writeSummary). */
const MAX_SUMMARIZED_MESSAGES = 2000;

export type Prompt =
  | {
      ok: true;
      messages: PromptMessage[];
      maxTokens: number;
      contextMessages: number;
      /** The stored summary the prompt holds in place of the older messages (the summarize strategy). */
      summaryId?: string;
    }
  | { ok: false; reason: string };

/** A stored message on the path and what it costs in the prompt. */
interface Turn {
  row: MessageRow;
  messages: PromptMessage[];
  tokens: number;
}

/**
 * The prompt for a reply to `userMessageId`: the active path from that message upwards, newest
 * turns first, as far back as the context holds after room for the reply. Reads the path a page at a
 * time, so a 100,000-message conversation costs what its last few pages cost. Messages are chosen by
 * their templated size, then the whole prompt is counted as the model will see it, so prompt and reply
 * always fit and llama.cpp never has to shift the context mid-reply.
 *
 * What does not fit is dropped, or, with a `summarizer` (the summarize strategy), stands in the prompt
 * as a summary the model wrote of it (see withStoredSummary). Should summarizing fail, the reply
 * still goes on with the oldest messages dropped.
 */
export async function buildPrompt(
  db: Queryable,
  conversationId: string,
  userMessageId: string,
  window: ContextWindow,
  maxReplyTokens: number,
  /** The tools the call offers: their documentation takes room in the prompt. */
  tools?: ToolOptions,
  /** The model's system prompt, for a conversation without one of its own. */
  defaultSystemPrompt?: string | null,
  summarizer?: PromptSummarizer,
  /**
   * What the user's memory adds (memory/recall.ts): saved memories after the system prompt, and passages
   * recalled for this question before it in its message, with what they cost.
   */
  memory?: { system: string | undefined; recalled: { text: string; tokens: number } | undefined },
): Promise<Prompt> {
  const replyTokens = Math.min(maxReplyTokens, Math.floor(window.contextTokens / 2));
  const recalled = memory?.recalled;
  // The passages go into the question's message once the rest is chosen: room is kept for them.
  const budget = window.contextTokens - replyTokens - RESERVE_TOKENS - (recalled?.tokens ?? 0);
  const head = await systemMessages(db, conversationId, defaultSystemPrompt ?? null, memory?.system);
  const emptyPromptTokens = await window.countPromptTokens(head, undefined, tools);
  if (emptyPromptTokens > budget) {
    return {
      ok: false,
      reason:
        `The conversation's system prompt${tools === undefined ? "" : " and tools"} take ${emptyPromptTokens} tokens; this model reads at most ` +
        `${budget} at once (a ${window.contextTokens}-token context, less room for the reply). Shorten the system prompt or use a model with a larger context.`,
    };
  }
  /** Where the branch's stored summaries end, when summaries are wanted. */
  const summaryEndsAt = summarizer === undefined ? new Map<string, string>() : await summaryEnds(db, conversationId);
  const newestFirst: Turn[] = [];
  let used = emptyPromptTokens;
  let startId: string | null = userMessageId;
  /** The first message that did not fit; undefined while all did. */
  let overflow: MessageRow | undefined;
  /** The stored summary that ends where the walk stopped, when it came to one before running out of room. */
  let summaryId: string | undefined;
  /** What is known of the user's message when it alone does not fit. */
  let tooLong: TooLong | undefined;
  while (startId !== null && overflow === undefined && summaryId === undefined) {
    // One extra row: the last one only says where the next page starts.
    const rows = await ancestors(db, conversationId, startId, PAGE + 1);
    for (const row of rows.slice(0, PAGE)) {
      summaryId = newestFirst.length > 0 ? summaryEndsAt.get(row.id) : undefined;
      if (summaryId !== undefined) break;
      // An empty reply (failed before its first token) says nothing to the model.
      const messages = replyPromptMessages(row);
      if (messages.length === 0) continue;
      const room = budget - used;
      const cost = await turnCostWithin(window, messages, room);
      if (cost.tokens > room) {
        if (newestFirst.length === 0) tooLong = { ...cost, room };
        overflow = row;
        break;
      }
      used += cost.tokens;
      newestFirst.push({ row, messages, tokens: cost.tokens });
    }
    startId = rows.length > PAGE ? (rows[PAGE]?.id ?? null) : null;
  }
  if (summarizer !== undefined && tooLong === undefined && (overflow !== undefined || summaryId !== undefined)) {
    const summarized = await promptWithSummary(db, {
      conversationId,
      window,
      budget,
      head,
      tools,
      newestFirst,
      overflow,
      summaryId,
      summaryEndsAt,
      emptyPromptTokens,
      summarizer,
    });
    if (summarized !== undefined) {
      const { promptTokens, ...rest } = summarized;
      return {
        ...rest,
        messages: withRecalled(summarized.messages, recalled?.text),
        maxTokens: roomForReply(promptTokens),
      };
    }
  }
  const turns = newestFirst.map((turn) => turn.messages).reverse();
  // Templates join messages in ways a per-message count cannot see: drop the oldest until it fits. A
  // stored message goes whole, so a tool result never loses the call it answers.
  let messages = [...head, ...turns.flat()];
  let promptTokens = turns.length === 0 ? 0 : await window.countPromptTokens(messages, budget, tools);
  while (turns.length > 1 && promptTokens > budget) {
    turns.shift();
    messages = [...head, ...turns.flat()];
    promptTokens = await window.countPromptTokens(messages, budget, tools);
  }
  if (turns.length === 0 || promptTokens > budget) {
    const { isLowerBound, tokens, room } = tooLong ?? {
      isLowerBound: false,
      tokens: 0,
      room: budget - emptyPromptTokens,
    };
    return {
      ok: false,
      reason:
        `The message is ${isLowerBound ? `at least ${tokens}` : `more than ${room}`} tokens long; this model reads at most ` +
        `${budget} at once (a ${window.contextTokens}-token context, less room for the reply${tools === undefined ? "" : " and the tools"}). ` +
        "Shorten it or use a model with a larger context.",
    };
  }
  return {
    ok: true,
    messages: withRecalled(messages, recalled?.text),
    maxTokens: roomForReply(promptTokens),
    contextMessages: turns.length,
  };

  function roomForReply(promptTokens: number): number {
    const used = promptTokens + (recalled?.tokens ?? 0);
    return Math.max(1, Math.min(maxReplyTokens, window.contextTokens - used - RESERVE_TOKENS));
  }
}

/**
 * The prompt with recalled passages before the text of its last user message (the question). There,
 * rather than in the system message, they leave the start of the prompt as the previous reply's was,
 * so the engine reads only the new turn; and the model reads them next to what they answer.
 */
function withRecalled(messages: PromptMessage[], recalled: string | undefined): PromptMessage[] {
  if (recalled === undefined) return messages;
  const at = messages.findLastIndex((message) => message.role === "user");
  const question = messages[at];
  if (question?.role !== "user") return messages;
  const content = [{ type: "text" as const, text: `${recalled}\n\n` }, ...question.content];
  return messages.with(at, { ...question, content });
}

/** Summaries for a reply: the model that writes them, and what to do with what they cost. */
export interface PromptSummarizer extends Summarizer {
  now(): Date;
  /** A summary could not be written: the reply goes on with the oldest messages dropped. */
  onFailure(error: unknown): void;
}

/**
 * The prompt with a summary in place of the older messages: the stored one that ends where the walk
 * stopped, when it fits beside the newer turns; otherwise a new one. A new one is written to cover
 * all but the newest turns that fill half the room left beside it, so that the next replies find it
 * and fit (it is rewritten once every few turns, not every turn). Undefined when summarizing failed
 * or could not make the prompt fit.
 */
async function promptWithSummary(
  db: Queryable,
  walk: {
    conversationId: string;
    window: ContextWindow;
    budget: number;
    head: PromptMessage[];
    tools: ToolOptions | undefined;
    newestFirst: Turn[];
    overflow: MessageRow | undefined;
    summaryId: string | undefined;
    summaryEndsAt: Map<string, string>;
    emptyPromptTokens: number;
    summarizer: PromptSummarizer;
  },
): Promise<
  { ok: true; messages: PromptMessage[]; promptTokens: number; contextMessages: number; summaryId: string } | undefined
> {
  const { window, budget, head, tools, newestFirst, summarizer } = walk;
  const maxSummaryTokens = summaryRoom(budget);
  try {
    const found = walk.summaryId === undefined ? undefined : await readSummary(db, walk.summaryId);
    if (found !== undefined && walk.overflow === undefined) {
      const fits = await fitted(found, newestFirst);
      if (fits !== undefined) return fits;
    }
    // Keep the newest turns that take half the room the summary leaves (the user's message at least).
    const keepRoom = Math.floor((budget - walk.emptyPromptTokens - maxSummaryTokens) / 2);
    let kept = 0;
    let keptTokens = 0;
    while (kept < newestFirst.length && (kept === 0 || keptTokens + (newestFirst[kept]?.tokens ?? 0) <= keepRoom)) {
      keptTokens += newestFirst[kept]?.tokens ?? 0;
      kept += 1;
    }
    const dropped = newestFirst.slice(kept).map((turn) => turn.row);
    let previous = found;
    if (walk.overflow !== undefined) {
      const older = await olderMessages(db, walk.conversationId, walk.overflow, walk.summaryEndsAt);
      dropped.push(...older.rows);
      previous = older.summaryId === undefined ? undefined : await readSummary(db, older.summaryId);
    }
    const summary = await writeSummary(db, {
      conversationId: walk.conversationId,
      summarizer,
      window,
      previous,
      dropped: dropped.reverse(),
      maxTokens: maxSummaryTokens,
      now: () => summarizer.now(),
    });
    return await fitted(summary, newestFirst.slice(0, kept));
  } catch (error) {
    summarizer.signal.throwIfAborted();
    summarizer.onFailure(error);
    return undefined;
  }

  /** The summary and as many of the turns as fit beside it, newest kept; undefined when not even one does. */
  async function fitted(summary: StoredSummary, turnsNewestFirst: Turn[]) {
    const turns = turnsNewestFirst.map((turn) => turn.messages).reverse();
    const summaryHead = withSummary(head, summary.content);
    let messages = [...summaryHead, ...turns.flat()];
    let promptTokens = await window.countPromptTokens(messages, budget, tools);
    while (turns.length > 1 && promptTokens > budget) {
      turns.shift();
      messages = [...summaryHead, ...turns.flat()];
      promptTokens = await window.countPromptTokens(messages, budget, tools);
    }
    // Dropping turns between a summary and the kept ones would leave a gap: only the whole set will do.
    if (promptTokens > budget || turns.length < turnsNewestFirst.length) return undefined;
    return { ok: true as const, messages, promptTokens, contextMessages: turns.length, summaryId: summary.id };
  }
}

/**
 * The path's messages above `from` (it included), newest first, up to the stored summary that ends
 * there (its id) or the path's start, reading at most MAX_SUMMARIZED_MESSAGES.
 */
async function olderMessages(
  db: Queryable,
  conversationId: string,
  from: MessageRow,
  summaryEndsAt: Map<string, string>,
): Promise<{ rows: MessageRow[]; summaryId: string | undefined }> {
  const rows: MessageRow[] = [];
  let startId: string | null = from.id;
  while (startId !== null && rows.length < MAX_SUMMARIZED_MESSAGES) {
    const page = await ancestors(db, conversationId, startId, PAGE + 1);
    for (const row of page.slice(0, PAGE)) {
      const summaryId = summaryEndsAt.get(row.id);
      if (summaryId !== undefined) return { rows, summaryId };
      rows.push(row);
    }
    startId = page.length > PAGE ? (page[PAGE]?.id ?? null) : null;
  }
  return { rows, summaryId: undefined };
}

/**
 * The conversation's system prompt (else the model's), with the memory after it, as the prompt's
 * first message, or nothing.
 */
async function systemMessages(
  db: Queryable,
  conversationId: string,
  defaultSystemPrompt: string | null,
  memory: string | undefined,
): Promise<PromptMessage[]> {
  const { rows } = await db.query<{ system_prompt: string | null }>(
    "SELECT system_prompt FROM conversations WHERE id = $1",
    [conversationId],
  );
  const systemPrompt = [rows[0]?.system_prompt ?? defaultSystemPrompt, memory].filter(Boolean).join("\n\n");
  return systemPrompt ? [{ role: "system", content: systemPrompt }] : [];
}

interface TooLong {
  /** True when `tokens` is the cheap bound from the text's bytes; otherwise counting stopped above `room`. */
  isLowerBound: boolean;
  tokens: number;
  room: number;
}

/** A stored message's tokens, as one or more prompt messages, or a number above `room` when they cannot fit there. */
async function turnCostWithin(window: ContextWindow, turn: readonly PromptMessage[], room: number) {
  let tokens = 0;
  for (const message of turn) {
    const cost = await costWithin(window, message, room - tokens);
    tokens += cost.tokens;
    if (tokens > room) return { isLowerBound: cost.isLowerBound, tokens };
  }
  return { isLowerBound: false, tokens };
}

/**
 * A message's tokens, or a number above `room` when it cannot fit there. A text too long for the room
 * by its bytes alone is not tokenized at all (a 400 KB message cost seconds of tokenizing to learn that
 * it cannot fit); otherwise counting stops once it passes the room, so a prompt never costs more
 * tokenizing than the context holds.
 */
async function costWithin(window: ContextWindow, message: PromptMessage, room: number) {
  const lowerBound = Math.ceil(Buffer.byteLength(textOf(message)) / window.maxTokenBytes);
  if (lowerBound > room) return { isLowerBound: true, tokens: lowerBound };
  return { isLowerBound: false, tokens: await window.countMessageTokens(message, room) };
}

/** Every text the model reads of a message: its bytes bound its tokens from below. */
function textOf(message: PromptMessage): string {
  if (message.role === "system") return message.content;
  return message.content
    .map((part) => (part.type === "text" ? part.text : part.type === "tool-call" ? part.input : part.output))
    .join("");
}
