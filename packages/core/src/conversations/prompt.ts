import type { Queryable } from "@hearth/db";
import type { ChatMessage, ContextWindow } from "@hearth/engine";
import { ancestors } from "./messages.ts";

/** Tokens a chat template adds around each message (role markers, separators), estimated high. */
const TOKENS_PER_MESSAGE = 8;
/** Kept free besides the reply: the template's own tokens and the reply's opening. */
const RESERVE_TOKENS = 16;
/** Ancestors read per round trip while filling the context. */
const PAGE = 32;

export type Prompt =
  | { ok: true; messages: ChatMessage[]; maxTokens: number; contextMessages: number }
  | { ok: false; reason: string };

/**
 * The prompt for a reply to `userMessageId`: the active path from that message upwards, newest
 * turns first, as far back as the context holds after room for the reply. Reads the path a page at a
 * time, so a 100,000-message conversation costs what its last few pages cost.
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
  let used = 0;
  let startId: string | null = userMessageId;
  let full = false;
  while (startId !== null && !full) {
    // One extra row: the last one only says where the next page starts.
    const rows = await ancestors(db, conversationId, startId, PAGE + 1);
    for (const row of rows.slice(0, PAGE)) {
      // An empty reply (failed before its first token) says nothing to the model.
      if (row.content.length === 0) continue;
      const cost = window.countTokens(row.content) + TOKENS_PER_MESSAGE;
      if (used + cost > budget) {
        full = true;
        break;
      }
      used += cost;
      newestFirst.push({ role: row.role, content: row.content });
    }
    startId = rows.length > PAGE ? (rows[PAGE]?.id ?? null) : null;
  }
  if (newestFirst.length === 0) {
    const tokens = await countOne(db, conversationId, userMessageId, window);
    return {
      ok: false,
      reason:
        `The message is ${tokens} tokens long; this model reads at most ${budget} at once ` +
        `(a ${window.contextTokens}-token context, less room for the reply). Shorten it or use a model with a larger context.`,
    };
  }
  const maxTokens = Math.max(1, Math.min(maxReplyTokens, window.contextTokens - used - RESERVE_TOKENS));
  return { ok: true, messages: newestFirst.reverse(), maxTokens, contextMessages: newestFirst.length };
}

async function countOne(db: Queryable, conversationId: string, messageId: string, window: ContextWindow) {
  const [row] = await ancestors(db, conversationId, messageId, 1);
  return row === undefined ? 0 : window.countTokens(row.content);
}
