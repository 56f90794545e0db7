import type { Queryable } from "@hearth/db";
import type { ChatMessage, ContextWindow } from "@hearth/engine";
import { ancestors } from "./messages.ts";

/** Kept free besides the reply, for a template that counts a little differently at the edges. */
const RESERVE_TOKENS = 8;
/** Ancestors read per round trip while filling the context. */
const PAGE = 32;

export type Prompt =
  | { ok: true; messages: ChatMessage[]; maxTokens: number; contextMessages: number }
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
): Promise<Prompt> {
  const replyTokens = Math.min(maxReplyTokens, Math.floor(window.contextTokens / 2));
  const budget = window.contextTokens - replyTokens - RESERVE_TOKENS;
  const newestFirst: ChatMessage[] = [];
  let used = window.countPromptTokens([]);
  let startId: string | null = userMessageId;
  let full = false;
  while (startId !== null && !full) {
    // One extra row: the last one only says where the next page starts.
    const rows = await ancestors(db, conversationId, startId, PAGE + 1);
    for (const row of rows.slice(0, PAGE)) {
      // An empty reply (failed before its first token) says nothing to the model.
      if (row.content.length === 0) continue;
      const message: ChatMessage = { role: row.role, content: row.content };
      const cost = window.countMessageTokens(message);
      if (used + cost > budget) {
        full = true;
        break;
      }
      used += cost;
      newestFirst.push(message);
    }
    startId = rows.length > PAGE ? (rows[PAGE]?.id ?? null) : null;
  }
  const messages = newestFirst.reverse();
  // Templates join messages in ways a per-message count cannot see: drop the oldest until it fits.
  let promptTokens = window.countPromptTokens(messages);
  while (messages.length > 1 && promptTokens > budget) {
    messages.shift();
    promptTokens = window.countPromptTokens(messages);
  }
  if (messages.length === 0 || promptTokens > budget) {
    const [row] = await ancestors(db, conversationId, userMessageId, 1);
    const tokens = row === undefined ? 0 : window.countMessageTokens({ role: row.role, content: row.content });
    return {
      ok: false,
      reason:
        `The message is ${tokens} tokens long; this model reads at most ${budget} at once ` +
        `(a ${window.contextTokens}-token context, less room for the reply). Shorten it or use a model with a larger context.`,
    };
  }
  const maxTokens = Math.max(1, Math.min(maxReplyTokens, window.contextTokens - promptTokens - RESERVE_TOKENS));
  return { ok: true, messages, maxTokens, contextMessages: messages.length };
}
