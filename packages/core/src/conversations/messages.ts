import type { Queryable } from "@hearth/db";
import type { MemoryUse } from "../memory/schema.ts";
import { decodeCursor, encodeCursor } from "../pagination.ts";
import type { Message, MessageNode, MessagePart, MessagePath, MessageStatus, MessageTree } from "./schema.ts";

/** The tree's storage: messages point at their parent; a conversation remembers its active leaf. */
export interface MessageRow {
  id: string;
  conversation_id: string;
  parent_id: string | null;
  role: "user" | "assistant";
  content: string;
  status: MessageStatus;
  model: string | null;
  error: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  context_messages: number | null;
  context_summary_id: string | null;
  memory_used: MemoryUse[] | null;
  /** A reply's tool calls and results (jsonb); null for text alone. */
  parts: MessagePart[] | null;
  first_token_at: Date | null;
  finished_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const MESSAGE_COLUMNS =
  "id, conversation_id, parent_id, role, content, status, model, error, prompt_tokens, completion_tokens, context_messages, context_summary_id, memory_used, parts, first_token_at, finished_at, created_at, updated_at";

export const UNFINISHED: readonly MessageStatus[] = ["pending", "streaming"];

/** A UUID no message has (ids are random, version 4). */
const NO_MESSAGE = "00000000-0000-0000-0000-000000000000";

export function presentNode(row: MessageRow): MessageNode {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    parentId: row.parent_id,
    role: row.role,
    content: row.content,
    status: row.status,
    model: row.model,
    error: row.error,
    usage:
      row.prompt_tokens === null || row.completion_tokens === null
        ? null
        : { promptTokens: row.prompt_tokens, completionTokens: row.completion_tokens },
    contextMessages: row.context_messages,
    contextSummaryId: row.context_summary_id,
    memoryUsed: row.memory_used,
    parts: row.parts,
    firstTokenAt: row.first_token_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** A message of one of the owner's live conversations; anything else is not found. */
export async function findOwnedMessage(
  db: Queryable,
  ownerId: string,
  messageId: string,
  options: { lockConversation?: boolean } = {},
): Promise<MessageRow | undefined> {
  const { rows } = await db.query<MessageRow>(
    `SELECT ${prefixed("m")} FROM messages m JOIN conversations c ON c.id = m.conversation_id
     WHERE m.id = $1 AND c.owner_id = $2 AND c.deleted_at IS NULL
     ${options.lockConversation ? "FOR UPDATE OF c" : ""}`,
    [messageId, ownerId],
  );
  return rows[0];
}

export async function findMessage(db: Queryable, messageId: string): Promise<MessageRow | undefined> {
  const { rows } = await db.query<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = $1`, [messageId]);
  return rows[0];
}

export async function insertMessage(
  db: Queryable,
  message: {
    conversationId: string;
    parentId: string | null;
    role: "user" | "assistant";
    content: string;
    status: MessageStatus;
    model: string | null;
  },
  now: Date,
): Promise<MessageRow> {
  const { rows } = await db.query<MessageRow>(
    `INSERT INTO messages (conversation_id, parent_id, role, content, status, model, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING ${MESSAGE_COLUMNS}`,
    [message.conversationId, message.parentId, message.role, message.content, message.status, message.model, now],
  );
  return rows[0] as MessageRow;
}

/**
 * Up to `limit` messages from `startId` up towards the root, newest first. Each step is one primary
 * key lookup, so the cost depends on `limit`, not on the conversation's length.
 */
export async function ancestors(
  db: Queryable,
  conversationId: string,
  startId: string,
  limit: number,
): Promise<MessageRow[]> {
  const { rows } = await db.query<MessageRow>(
    `WITH RECURSIVE path AS (
       SELECT ${MESSAGE_COLUMNS}, 1 AS depth FROM messages WHERE id = $2 AND conversation_id = $1
       UNION ALL
       SELECT ${prefixed("m")}, path.depth + 1 FROM messages m JOIN path ON m.id = path.parent_id
       WHERE path.depth < $3
     )
     SELECT ${MESSAGE_COLUMNS} FROM path ORDER BY depth`,
    [conversationId, startId, limit],
  );
  return rows;
}

/**
 * The active path, oldest first: the last `limit` messages ending at the active leaf, or, with a
 * cursor, the `limit` before those. Each message carries its siblings (itself included).
 *
 * The leaf, the messages and the conversation's newest event id are read by one statement, so from
 * one snapshot: a reply's text and the event that added it are written by one statement too (see
 * ReplyWriter), so the events after `lastEventId` are exactly what the page does not hold yet.
 */
export async function activePath(
  db: Queryable,
  conversationId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<MessagePath> {
  // The query schema refuses a cursor that does not decode; should one get here, it names no message.
  const startId = page.cursor === undefined ? null : (decodeCursor(page.cursor)?.id ?? NO_MESSAGE);
  const { rows } = await db.query<MessageRow & { last_event_id: string; depth: number | null }>(
    `WITH RECURSIVE head AS (
       SELECT last_event_id, COALESCE($2::uuid, active_message_id) AS start_id FROM conversations WHERE id = $1
     ),
     path AS (
       SELECT ${prefixed("m")}, 1 AS depth FROM messages m JOIN head ON m.id = head.start_id
       WHERE m.conversation_id = $1
       UNION ALL
       SELECT ${prefixed("m")}, path.depth + 1 FROM messages m JOIN path ON m.id = path.parent_id
       WHERE path.depth < $3
     )
     SELECT head.last_event_id, path.* FROM head LEFT JOIN path ON true ORDER BY path.depth`,
    [conversationId, startId, page.limit + 1],
  );
  const lastEventId = Number(rows[0]?.last_event_id ?? 0);
  const found = rows.filter((row) => row.depth !== null);
  const next = found.length > page.limit ? found[page.limit] : undefined;
  const pageRows = found.slice(0, page.limit).reverse();
  return {
    data: await withSiblings(db, conversationId, pageRows),
    nextCursor: next === undefined ? null : encodeCursor({ at: next.created_at, id: next.id }),
    lastEventId,
  };
}

export async function withSiblings(db: Queryable, conversationId: string, rows: MessageRow[]): Promise<Message[]> {
  if (rows.length === 0) return [];
  const parents = [...new Set(rows.flatMap((row) => (row.parent_id === null ? [] : [row.parent_id])))];
  const hasRoot = rows.some((row) => row.parent_id === null);
  const { rows: siblings } = await db.query<{ id: string; parent_id: string | null }>(
    `SELECT id, parent_id FROM (
       SELECT id, parent_id, seq FROM messages WHERE parent_id = ANY($2::uuid[])
       UNION ALL
       SELECT id, parent_id, seq FROM messages WHERE $3 AND conversation_id = $1 AND parent_id IS NULL
     ) s ORDER BY seq`,
    [conversationId, parents, hasRoot],
  );
  const byParent = new Map<string | null, string[]>();
  for (const sibling of siblings) {
    const ids = byParent.get(sibling.parent_id) ?? [];
    ids.push(sibling.id);
    byParent.set(sibling.parent_id, ids);
  }
  return rows.map((row) => ({ ...presentNode(row), siblingIds: byParent.get(row.parent_id) ?? [row.id] }));
}

export async function withSiblingsOne(db: Queryable, row: MessageRow): Promise<Message> {
  return (await withSiblings(db, row.conversation_id, [row]))[0] as Message;
}

/** Every node of the conversation in creation order, paged. */
export async function messageTree(
  db: Queryable,
  conversationId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<MessageTree> {
  const afterId = page.cursor === undefined ? null : (decodeCursor(page.cursor)?.id ?? null);
  const { rows } = await db.query<MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages
     WHERE conversation_id = $1
       AND ($2::uuid IS NULL OR seq > (SELECT seq FROM messages WHERE id = $2 AND conversation_id = $1))
     ORDER BY seq LIMIT $3`,
    [conversationId, afterId, page.limit + 1],
  );
  const pageRows = rows.slice(0, page.limit);
  const last = pageRows.at(-1);
  return {
    data: pageRows.map(presentNode),
    nextCursor: rows.length > page.limit && last ? encodeCursor({ at: last.created_at, id: last.id }) : null,
  };
}

/**
 * The leaf reached from `messageId` by following the newest child at each step: the branch a
 * person means when they pick an alternative message.
 */
export async function newestLeafUnder(db: Queryable, messageId: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `WITH RECURSIVE down AS (
       SELECT $1::uuid AS id, 0 AS depth
       UNION ALL
       SELECT (SELECT c.id FROM messages c WHERE c.parent_id = down.id ORDER BY c.seq DESC LIMIT 1), down.depth + 1
       FROM down WHERE down.id IS NOT NULL
     )
     SELECT id FROM down WHERE id IS NOT NULL ORDER BY depth DESC LIMIT 1`,
    [messageId],
  );
  return rows[0]?.id ?? messageId;
}

function prefixed(alias: string): string {
  return MESSAGE_COLUMNS.split(", ")
    .map((column) => `${alias}.${column}`)
    .join(", ");
}
