/**
 * @module The "summarize" context strategy's summaries: what the model writes of a branch's older
 * messages once they no longer fit its context, stored so that it is written once and read by the
 * replies after it, and rewritten (folding the old summary into the new) as the conversation grows.
 */
import type { Queryable } from "@hearth/db";
import type { ContextWindow, LanguageModel, PromptMessage } from "@hearth/engine/spec";
import { decodeCursor, encodeCursor } from "../pagination.ts";
import { fail, ok, type Result } from "../problems.ts";
import type { MessageRow } from "./messages.ts";
import { type ConversationsProblem, conversationsProblems } from "./problems.ts";
import { RESERVE_TOKENS } from "./prompt.ts";
import type { ConversationSummary } from "./schema.ts";
import { getConversation } from "./service.ts";

/** The most tokens a summary may take: room in every later prompt, so kept small. */
const SUMMARY_MAX_TOKENS = 400;
/** A message's text in what the model summarizes: its head and tail where longer. */
const MESSAGE_MAX_CHARS = 3000;
/** Model calls one refresh may make; more older history than they read is left out of the summary. */
const MAX_FOLD_CALLS = 6;
/** Characters of a stored summary, whatever the model wrote. */
const SUMMARY_MAX_CHARS = 8000;

const INSTRUCTION =
  "You keep a running summary of a conversation between a user and an assistant, for the assistant " +
  "to read instead of the older messages. Keep names, numbers, facts, decisions, the user's " +
  "preferences and open questions; leave out pleasantries. Write plain prose in the conversation's " +
  "language, under 200 words, and reply with the summary alone.";

/** Who writes summaries for a reply, and where what they use is recorded. */
export interface Summarizer {
  model: LanguageModel;
  signal: AbortSignal;
  /** What one summarizing call used, for the usage ledger. */
  recordUsage(usage: { promptTokens: number; completionTokens: number }): Promise<void>;
}

/** A stored summary, as a prompt reads it. */
export interface StoredSummary {
  id: string;
  throughMessageId: string;
  coveredMessages: number;
  content: string;
}

/** The most tokens a summary may take in a prompt of `budget` tokens. */
export const summaryRoom = (budget: number): number => Math.min(SUMMARY_MAX_TOKENS, Math.floor(budget / 4));

/** The conversation's summaries by the message each ends at (a branch's path passes through at most a few). */
export async function summaryEnds(db: Queryable, conversationId: string): Promise<Map<string, string>> {
  const { rows } = await db.query<{ id: string; through_message_id: string }>(
    `SELECT id, through_message_id FROM conversation_summaries WHERE conversation_id = $1
     ORDER BY created_at DESC, id DESC LIMIT 500`,
    [conversationId],
  );
  return new Map(rows.map((row) => [row.through_message_id, row.id]));
}

export async function readSummary(db: Queryable, summaryId: string): Promise<StoredSummary | undefined> {
  const { rows } = await db.query<{
    id: string;
    through_message_id: string;
    covered_messages: number;
    content: string;
  }>("SELECT id, through_message_id, covered_messages, content FROM conversation_summaries WHERE id = $1", [summaryId]);
  const row = rows[0];
  return row === undefined
    ? undefined
    : {
        id: row.id,
        throughMessageId: row.through_message_id,
        coveredMessages: row.covered_messages,
        content: row.content,
      };
}

/** The prompt's head with the summary in it: after the system prompt, in the one system message templates allow. */
export function withSummary(head: readonly PromptMessage[], summary: string): PromptMessage[] {
  const text = `Summary of the earlier part of this conversation (its older messages are not shown):\n${summary}`;
  const system = head[0];
  if (system?.role === "system") return [{ role: "system", content: `${system.content}\n\n${text}` }, ...head.slice(1)];
  return [{ role: "system", content: text }, ...head];
}

/**
 * Writes the summary of `dropped` (oldest first, the messages after `previous` if there is one) and
 * stores it as ending at the newest of them. Long stretches are read a context's worth per call, each
 * call folding the summary so far into the next; at most MAX_FOLD_CALLS calls, reading the newest
 * messages (the summary then starts later, and `previous` is not read). Two replies writing the same
 * summary at once store one. Throws when the model fails or writes nothing.
 */
export async function writeSummary(
  db: Queryable,
  input: {
    conversationId: string;
    summarizer: Summarizer;
    window: ContextWindow;
    previous: StoredSummary | undefined;
    dropped: readonly MessageRow[];
    /** The longest summary (see summaryRoom). */
    maxTokens: number;
    now: () => Date;
  },
): Promise<StoredSummary> {
  const { window, summarizer, maxTokens } = input;
  // Each call reads the instruction, the summary so far (at most maxTokens) and messages, and writes maxTokens.
  const room = window.contextTokens - 2 * maxTokens - RESERVE_TOKENS;
  const base = await window.countPromptTokens(summarizingPrompt(null, []));
  const { chunks: read, readsAll } = await newestChunksOf(window, input.dropped, room - base);
  let summary = readsAll ? (input.previous?.content ?? null) : null;
  let covered = readsAll ? (input.previous?.coveredMessages ?? 0) : 0;
  for (const chunk of read) {
    summary = await summarize(summarizer, summarizingPrompt(summary, chunk.lines), maxTokens);
    covered += chunk.messages;
  }
  const through = input.dropped.at(-1);
  if (summary === null || through === undefined) throw new Error("There was nothing to summarize.");
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO conversation_summaries (conversation_id, through_message_id, covered_messages, content, model, created_at)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (through_message_id) DO NOTHING RETURNING id`,
    [
      input.conversationId,
      through.id,
      covered,
      summary,
      `${summarizer.model.provider}/${summarizer.model.modelId}`,
      input.now(),
    ],
  );
  const id = rows[0]?.id;
  if (id !== undefined) return { id, throughMessageId: through.id, coveredMessages: covered, content: summary };
  // Another reply on the same branch wrote it first: that one stands.
  const { rows: existing } = await db.query<{ id: string }>(
    "SELECT id FROM conversation_summaries WHERE through_message_id = $1",
    [through.id],
  );
  const stored = existing[0] === undefined ? undefined : await readSummary(db, existing[0].id);
  if (stored === undefined) throw new Error("The summary could not be stored.");
  return stored;
}

interface Chunk {
  lines: string[];
  messages: number;
}

/**
 * The newest of the messages as transcript lines, in runs that fit `room` tokens beside the
 * instruction and a summary, oldest run first: at most MAX_FOLD_CALLS runs, counted from the newest
 * message back, so a long stretch costs no more counting than what is read. `readsAll`: none was left.
 */
async function newestChunksOf(
  window: ContextWindow,
  dropped: readonly MessageRow[],
  room: number,
): Promise<{ chunks: Chunk[]; readsAll: boolean }> {
  const chunks: Chunk[] = [];
  let current: Chunk = { lines: [], messages: 0 };
  let used = 0;
  for (let index = dropped.length - 1; index >= 0; index--) {
    const line = transcriptLine(dropped[index] as MessageRow);
    if (line === undefined) {
      current.messages += 1;
      continue;
    }
    // Each line counted as a message of its own: a little more than it adds to the joined text.
    let text = line;
    let tokens = await window.countMessageTokens(asUser(text), room);
    // A message too long for a call of its own is cut to what fits.
    while (tokens > room && text.length > 200) {
      text = clip(text, Math.floor(text.length / 2));
      tokens = await window.countMessageTokens(asUser(text), room);
    }
    if (tokens > room) {
      current.messages += 1;
      continue;
    }
    if (used + tokens > room && current.lines.length > 0) {
      chunks.unshift(current);
      if (chunks.length === MAX_FOLD_CALLS) return { chunks, readsAll: false };
      current = { lines: [], messages: 0 };
      used = 0;
    }
    current.lines.unshift(text);
    current.messages += 1;
    used += tokens;
  }
  if (current.lines.length > 0) chunks.unshift(current);
  return { chunks, readsAll: true };
}

/** One message as the summarizing call reads it; nothing for an empty one. */
function transcriptLine(row: MessageRow): string | undefined {
  const text = row.content.trim();
  if (text.length === 0) return undefined;
  return `${row.role === "user" ? "User" : "Assistant"}: ${clip(text, MESSAGE_MAX_CHARS)}`;
}

function clip(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const half = Math.floor(maxChars / 2);
  return `${text.slice(0, half)} … ${text.slice(-half)}`;
}

const asUser = (text: string): PromptMessage => ({ role: "user", content: [{ type: "text", text }] });

function summarizingPrompt(previous: string | null, lines: readonly string[]): PromptMessage[] {
  const text =
    (previous === null ? "" : `The summary so far:\n${previous}\n\n`) +
    `${previous === null ? "The conversation" : "The messages after it"}:\n${lines.join("\n\n")}\n\n` +
    `Write the ${previous === null ? "summary" : "updated summary"}.`;
  return [{ role: "system", content: INSTRUCTION }, asUser(text)];
}

/** One summarizing call: the model's text, cleaned, or a throw when it failed or wrote nothing. */
async function summarize(summarizer: Summarizer, prompt: PromptMessage[], maxTokens: number): Promise<string> {
  let text = "";
  let failure: string | undefined;
  for await (const part of summarizer.model.doStream({
    prompt,
    maxOutputTokens: maxTokens,
    temperature: 0.2,
    abortSignal: summarizer.signal,
  })) {
    if (part.type === "text-delta") text += part.text;
    else if (part.type === "finish") {
      await summarizer.recordUsage({
        promptTokens: part.usage.inputTokens,
        completionTokens: part.usage.outputTokens,
      });
      if (part.finishReason === "error") failure = part.error ?? "the model failed";
    }
  }
  summarizer.signal.throwIfAborted();
  if (failure !== undefined) throw new Error(`The summary failed: ${failure}`);
  const summary = cleanSummary(text);
  if (summary.length === 0) throw new Error("The model wrote an empty summary.");
  return summary;
}

/** Model output is untrusted text: no control characters, bounded. */
function cleanSummary(text: string): string {
  return text
    .replace(/[\p{Cc}\p{Cf}\uFFFD]+/gu, (match) => (match.includes("\n") ? "\n" : " "))
    .replace(/\n{3,}/g, "\n\n")
    .trim()
    .slice(0, SUMMARY_MAX_CHARS);
}

interface SummaryRow {
  id: string;
  through_message_id: string;
  covered_messages: number;
  content: string;
  model: string;
  created_at: Date;
}

const present = (row: SummaryRow): ConversationSummary => ({
  id: row.id,
  throughMessageId: row.through_message_id,
  coveredMessages: row.covered_messages,
  content: row.content,
  model: row.model,
  createdAt: row.created_at.toISOString(),
});

/** Whose conversation it is: only its live owner's summaries are anyone's to read. */
const OWNED = `conversation_id = $1 AND EXISTS (
  SELECT 1 FROM conversations c WHERE c.id = $1 AND c.owner_id = $2 AND c.deleted_at IS NULL)`;

/** The owner's conversation's summaries, newest first; `conversation-not-found` for anyone else. */
export async function listSummaries(
  db: Queryable,
  ownerId: string,
  conversationId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<Result<{ data: ConversationSummary[]; nextCursor: string | null }, ConversationsProblem>> {
  const owned = await getConversation(db, ownerId, conversationId);
  if (!owned.ok) return owned;
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor);
  const { rows } = await db.query<SummaryRow>(
    `SELECT id, through_message_id, covered_messages, content, model, created_at FROM conversation_summaries
     WHERE ${OWNED} AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
     ORDER BY created_at DESC, id DESC LIMIT $5`,
    [conversationId, ownerId, after?.at ?? null, after?.id ?? null, page.limit + 1],
  );
  const data = rows.slice(0, page.limit);
  const last = data.at(-1);
  return ok({
    data: data.map(present),
    nextCursor: rows.length > page.limit && last ? encodeCursor({ at: last.created_at, id: last.id }) : null,
  });
}

/** One summary of the owner's conversation; `summary-not-found` (or `conversation-not-found`) otherwise. */
export async function getSummary(
  db: Queryable,
  ownerId: string,
  conversationId: string,
  summaryId: string,
): Promise<Result<ConversationSummary, ConversationsProblem>> {
  const { rows } = await db.query<SummaryRow>(
    `SELECT id, through_message_id, covered_messages, content, model, created_at FROM conversation_summaries
     WHERE ${OWNED} AND id = $3`,
    [conversationId, ownerId, summaryId],
  );
  const row = rows[0];
  if (row !== undefined) return ok(present(row));
  const owned = await getConversation(db, ownerId, conversationId);
  return owned.ok ? fail(conversationsProblems.summaryNotFound(summaryId)) : owned;
}
