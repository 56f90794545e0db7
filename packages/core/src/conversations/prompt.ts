import type { Queryable } from "@hearth/db";
import type { ContextWindow, PromptMessage, ToolOptions } from "@hearth/engine/spec";
import { ancestors } from "./messages.ts";
import { replyPromptMessages } from "./reply-prompt-messages.ts";

/** Kept free besides the reply, for a template that counts a little differently at the edges. */
export const RESERVE_TOKENS = 8;
/** Ancestors read per round trip while filling the context. */
const PAGE = 32;

export type Prompt =
  | { ok: true; messages: PromptMessage[]; maxTokens: number; contextMessages: number }
  | { ok: false; reason: string };

/**
 * The prompt for a reply to `userMessageId`: the active path from that message upwards, newest
 * turns first, as far back as the context holds after room for the reply. Reads the path a page at a
 * time, so a 100,000-message conversation costs what its last few pages cost. Messages are chosen by
 * their templated size, then the whole prompt is counted as the model will see it, so prompt and reply
 * always fit and llama.cpp never has to shift the context mid-reply.
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
): Promise<Prompt> {
  const replyTokens = Math.min(maxReplyTokens, Math.floor(window.contextTokens / 2));
  const budget = window.contextTokens - replyTokens - RESERVE_TOKENS;
  const head = await systemMessages(db, conversationId, defaultSystemPrompt ?? null);
  const emptyPromptTokens = await window.countPromptTokens(head, undefined, tools);
  if (emptyPromptTokens > budget) {
    return {
      ok: false,
      reason:
        `The conversation's system prompt${tools === undefined ? "" : " and tools"} take ${emptyPromptTokens} tokens; this model reads at most ` +
        `${budget} at once (a ${window.contextTokens}-token context, less room for the reply). Shorten the system prompt or use a model with a larger context.`,
    };
  }
  /** The prompt's messages by stored message (a reply with tool parts is several), newest first. */
  const newestFirst: PromptMessage[][] = [];
  let used = emptyPromptTokens;
  let startId: string | null = userMessageId;
  let full = false;
  /** What is known of the user's message when it alone does not fit. */
  let tooLong: TooLong | undefined;
  while (startId !== null && !full) {
    // One extra row: the last one only says where the next page starts.
    const rows = await ancestors(db, conversationId, startId, PAGE + 1);
    for (const row of rows.slice(0, PAGE)) {
      // An empty reply (failed before its first token) says nothing to the model.
      const turn = replyPromptMessages(row);
      if (turn.length === 0) continue;
      const room = budget - used;
      const cost = await turnCostWithin(window, turn, room);
      if (cost.tokens > room) {
        if (newestFirst.length === 0) tooLong = { ...cost, room };
        full = true;
        break;
      }
      used += cost.tokens;
      newestFirst.push(turn);
    }
    startId = rows.length > PAGE ? (rows[PAGE]?.id ?? null) : null;
  }
  const turns = newestFirst.reverse();
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
  const maxTokens = Math.max(1, Math.min(maxReplyTokens, window.contextTokens - promptTokens - RESERVE_TOKENS));
  return { ok: true, messages, maxTokens, contextMessages: turns.length };
}

/** The conversation's system prompt (else the model's) as the prompt's first message, or nothing. */
async function systemMessages(
  db: Queryable,
  conversationId: string,
  defaultSystemPrompt: string | null,
): Promise<PromptMessage[]> {
  const { rows } = await db.query<{ system_prompt: string | null }>(
    "SELECT system_prompt FROM conversations WHERE id = $1",
    [conversationId],
  );
  const systemPrompt = rows[0]?.system_prompt ?? defaultSystemPrompt;
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
