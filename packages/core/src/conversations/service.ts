import type { Queryable } from "@hearth/db";
import { fail, ok, type Result } from "../problems.ts";
import { type NewEvent, newEvent } from "./events.ts";
import { decodeListCursor, encodeListCursor } from "./list-cursor.ts";
import { type ConversationsProblem, conversationsProblems } from "./problems.ts";
import {
  type Conversation,
  type ConversationPage,
  type CreateConversationInput,
  DEFAULT_TITLE,
  type UpdateConversationInput,
} from "./schema.ts";

export interface ConversationRow {
  id: string;
  title: string;
  model: string | null;
  active_message_id: string | null;
  tools: string[];
  tool_choice: "auto" | "required";
  system_prompt: string | null;
  pinned_at: Date | null;
  assistant_id: string | null;
  sampling: Conversation["sampling"];
  context_strategy: Conversation["contextStrategy"];
  temporary: boolean;
  created_at: Date;
  updated_at: Date;
}

export const COLUMNS =
  "id, title, model, active_message_id, tools, tool_choice, system_prompt, pinned_at, assistant_id, sampling, context_strategy, temporary, created_at, updated_at";

const presentConversation = (row: ConversationRow): Conversation => ({
  id: row.id,
  title: row.title,
  model: row.model,
  activeMessageId: row.active_message_id,
  tools: row.tools,
  toolChoice: row.tool_choice,
  systemPrompt: row.system_prompt,
  pinnedAt: row.pinned_at?.toISOString() ?? null,
  assistantId: row.assistant_id,
  sampling: row.sampling,
  contextStrategy: row.context_strategy,
  temporary: row.temporary,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

/** The event that tells streams a conversation changed (title, model, active branch). */
export const conversationUpdatedEvent = (row: ConversationRow): NewEvent =>
  newEvent("conversation.updated", presentConversation(row));

type ConversationResult = Result<Conversation, ConversationsProblem>;

const found = (rows: ConversationRow[], conversationId: string): ConversationResult => {
  const row = rows[0];
  return row === undefined
    ? fail(conversationsProblems.conversationNotFound(conversationId))
    : ok(presentConversation(row));
};

/** A new conversation; `input.assistantId`, when given, must be an assistant the owner can see (routes check). */
export async function createConversation(
  db: Queryable,
  ownerId: string,
  input: CreateConversationInput,
  now: Date,
): Promise<Conversation> {
  const { rows } = await db.query<ConversationRow>(
    `INSERT INTO conversations (owner_id, title, title_source, model, tools, tool_choice, system_prompt, created_at, updated_at, sampling, assistant_id, context_strategy, temporary)
     VALUES ($1, $2, $3, $4, $6, $7, $8, $5, $5, $9, $10, $11, $12) RETURNING ${COLUMNS}`,
    [
      ownerId,
      input.title ?? DEFAULT_TITLE,
      input.title === undefined ? "default" : "user",
      input.model ?? null,
      now,
      input.tools ?? [],
      input.toolChoice ?? "auto",
      input.systemPrompt ?? null,
      JSON.stringify(setSamplingOptions(input.sampling ?? {})),
      input.assistantId ?? null,
      input.contextStrategy ?? "drop-oldest",
      input.temporary ?? false,
    ],
  );
  return presentConversation(rows[0] as ConversationRow);
}

/**
 * The owner's conversations, pinned ones first, each part newest-updated first, by keyset on
 * (pinned, updated_at, id) descending. `deleted` lists only the deleted ones instead of only the
 * live ones; `q` keeps those whose title holds it, ignoring case (its `%`, `_` and `\` match
 * themselves). The cursor must be valid (the route checks it); an undecodable one starts from the top.
 */
export async function listConversations(
  db: Queryable,
  ownerId: string,
  page: { limit: number; cursor?: string | undefined; deleted: boolean; q?: string | undefined },
): Promise<ConversationPage> {
  const after = page.cursor === undefined ? undefined : decodeListCursor(page.cursor);
  const pattern = page.q === undefined ? null : `%${escapeLike(page.q)}%`;
  // After a pinned row come the older pinned ones, then every unpinned one; after an unpinned row, the older unpinned ones.
  const { rows } = await db.query<ConversationRow>(
    `SELECT ${COLUMNS} FROM conversations
     WHERE owner_id = $1 AND (deleted_at IS NOT NULL) = $2
       AND ($3::boolean IS NULL
         OR ((pinned_at IS NOT NULL) = $3 AND (updated_at, id) < ($4::timestamptz, $5::uuid))
         OR ($3 AND pinned_at IS NULL))
       AND ($6::text IS NULL OR title ILIKE $6 ESCAPE '\\')
     ORDER BY (pinned_at IS NOT NULL) DESC, updated_at DESC, id DESC LIMIT $7`,
    [ownerId, page.deleted, after?.pinned ?? null, after?.at ?? null, after?.id ?? null, pattern, page.limit + 1],
  );
  const hasMore = rows.length > page.limit;
  const pageRows = rows.slice(0, page.limit);
  const last = pageRows.at(-1);
  return {
    data: pageRows.map(presentConversation),
    nextCursor:
      hasMore && last ? encodeListCursor({ pinned: last.pinned_at !== null, at: last.updated_at, id: last.id }) : null,
  };
}

/** `text` as a LIKE pattern that matches exactly it: its wildcards and the escape character escaped. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** One of the owner's live conversations. Another user's, or a deleted one, is not found. */
export async function getConversation(
  db: Queryable,
  ownerId: string,
  conversationId: string,
): Promise<ConversationResult> {
  const { rows } = await db.query<ConversationRow>(
    `SELECT ${COLUMNS} FROM conversations WHERE id = $1 AND owner_id = $2 AND deleted_at IS NULL`,
    [conversationId, ownerId],
  );
  return found(rows, conversationId);
}

/**
 * Renames a live conversation, changes its model, tools or system prompt, or pins or unpins it. Any
 * change but a pin moves it to the top of its part of the list; pinning keeps its place in time.
 */
export async function updateConversation(
  db: Queryable,
  ownerId: string,
  conversationId: string,
  change: UpdateConversationInput,
  now: Date,
): Promise<ConversationResult> {
  const { rows } = await db.query<ConversationRow>(
    `UPDATE conversations
     SET title = COALESCE($3, title), title_source = CASE WHEN $3 IS NULL THEN title_source ELSE 'user' END, model = CASE WHEN $4 THEN $5 ELSE model END,
       tools = COALESCE($7, tools), tool_choice = COALESCE($8, tool_choice),
       system_prompt = CASE WHEN $9 THEN $10 ELSE system_prompt END,
       sampling = COALESCE($13::jsonb, sampling), context_strategy = COALESCE($14, context_strategy),
       pinned_at = CASE WHEN $11::boolean IS NULL THEN pinned_at WHEN $11 THEN COALESCE(pinned_at, $6) ELSE NULL END,
       updated_at = CASE WHEN $12 THEN $6 ELSE updated_at END
     WHERE id = $1 AND owner_id = $2 AND deleted_at IS NULL RETURNING ${COLUMNS}`,
    [
      conversationId,
      ownerId,
      change.title ?? null,
      change.model !== undefined,
      change.model ?? null,
      now,
      change.tools ?? null,
      change.toolChoice ?? null,
      change.systemPrompt !== undefined,
      change.systemPrompt ?? null,
      change.pinned ?? null,
      Object.entries(change).some(([field, value]) => field !== "pinned" && value !== undefined),
      change.sampling === undefined ? null : JSON.stringify(setSamplingOptions(change.sampling)),
      change.contextStrategy ?? null,
    ],
  );
  return found(rows, conversationId);
}

/** Only the sampling options set: null says "the model's default", as leaving one out does. */
function setSamplingOptions(sampling: Conversation["sampling"]): Conversation["sampling"] {
  return Object.fromEntries(Object.entries(sampling).filter(([, value]) => value != null));
}

/**
 * What a reply reads of its conversation's settings: its own sampling (over the model's defaults) and
 * what to do once it no longer fits the context.
 */
export async function readReplySettings(
  db: Queryable,
  conversationId: string,
): Promise<Pick<Conversation, "sampling" | "contextStrategy">> {
  const { rows } = await db.query<{
    sampling: Conversation["sampling"];
    context_strategy: Conversation["contextStrategy"];
  }>("SELECT sampling, context_strategy FROM conversations WHERE id = $1", [conversationId]);
  return { sampling: rows[0]?.sampling ?? {}, contextStrategy: rows[0]?.context_strategy ?? "drop-oldest" };
}

/** Soft delete: the conversation disappears from the list and from GET until restored. */
export async function deleteConversation(
  db: Queryable,
  ownerId: string,
  conversationId: string,
  now: Date,
): Promise<Result<void, ConversationsProblem>> {
  const { rowCount } = await db.query(
    "UPDATE conversations SET deleted_at = $3 WHERE id = $1 AND owner_id = $2 AND deleted_at IS NULL",
    [conversationId, ownerId, now],
  );
  return rowCount === 0 ? fail(conversationsProblems.conversationNotFound(conversationId)) : ok(undefined);
}

/**
 * Brings a deleted conversation back where it was: updated_at is left alone, so it returns to its
 * old place in the list. Restoring a live conversation changes nothing and returns it.
 */
export async function restoreConversation(
  db: Queryable,
  ownerId: string,
  conversationId: string,
): Promise<ConversationResult> {
  const { rows } = await db.query<ConversationRow>(
    `UPDATE conversations SET deleted_at = NULL WHERE id = $1 AND owner_id = $2 RETURNING ${COLUMNS}`,
    [conversationId, ownerId],
  );
  return found(rows, conversationId);
}
