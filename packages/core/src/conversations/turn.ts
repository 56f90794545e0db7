import type { Queryable } from "@hearth/db";
import { checkStorageQuota } from "../limits/storage.ts";
import { fail, ok } from "../problems.ts";
import type { ChatContext, ChatResult, ConversationHead } from "./chat.ts";
import { newEvent } from "./events.ts";
import { insertMessage, type MessageRow, presentNode, withSiblings } from "./messages.ts";
import { conversationsProblems as problems } from "./problems.ts";
import type { EventLog } from "./record-events.ts";
import type { Exchange, Message } from "./schema.ts";
import { COLUMNS as CONVERSATION_COLUMNS, type ConversationRow } from "./service.ts";

/** A reply just written `pending`, the question it answers, and the events that announce them. */
export interface Turn {
  questionId: string;
  /** Set when the question was written with the reply (a send or an edit), not for a regeneration. */
  question: MessageRow | undefined;
  reply: MessageRow;
  /** Whether this node writes the reply (and holds its lease), or hands it to a node with its model. */
  isWrittenHere: boolean;
}

/**
 * Locks the conversation (so its branches change one writer at a time) and refuses a reply while
 * the owner has too many in progress, or when `addedBytes` of new text would pass their storage quota.
 */
export async function lockForReply(
  tx: Queryable,
  ctx: ChatContext,
  ownerId: string,
  conversationId: string,
  addedBytes: number,
): Promise<ChatResult<ConversationHead>> {
  const conversation = await ownedConversation(tx, ownerId, conversationId, { lock: true });
  if (conversation === undefined) return fail(problems.conversationNotFound(conversationId));
  const busy = await checkRepliesInProgress(tx, ctx, ownerId);
  if (!busy.ok) return busy;
  // After checkRepliesInProgress locked the owner's row: one user's sends check the quota in turn.
  const quota = await checkStorageQuota(tx, ownerId, addedBytes, ctx.limits.storageBytes);
  return quota.ok ? ok(conversation) : quota;
}

/**
 * Writes a pending reply to a question, which is either new (`parentId`, `content`) or already
 * stored (`id`), makes the reply the active leaf and logs the messages' creation.
 */
export async function writeTurn(
  tx: Queryable,
  log: EventLog,
  ctx: ChatContext,
  conversationId: string,
  model: string,
  question: { id: string } | { parentId: string | null; content: string },
): Promise<Turn> {
  const now = ctx.clock.now();
  let asked: MessageRow | undefined;
  if (!("id" in question)) {
    const { parentId, content } = question;
    asked = await insertMessage(
      tx,
      { conversationId, parentId, role: "user", content, status: "done", model: null },
      now,
    );
  }
  const questionId = "id" in question ? question.id : (asked as MessageRow).id;
  const reply = await insertMessage(
    tx,
    { conversationId, parentId: questionId, role: "assistant", content: "", status: "pending", model },
    now,
  );
  // Leased from the start when written here, so no node that sweeps for handed-off replies takes it.
  const isWrittenHere = ctx.chat.placement?.runsHere(model) ?? true;
  if (isWrittenHere) {
    await tx.query("UPDATE messages SET lease_until = $2 WHERE id = $1", [
      reply.id,
      ctx.chat.generations.leaseUntil(now),
    ]);
  }
  await setActive(tx, conversationId, reply.id, now, model);
  const created = [...(asked ? [asked] : []), reply].map((row) => newEvent("message.created", presentNode(row)));
  await log.append(conversationId, created);
  return { questionId, question: asked, reply, isWrittenHere };
}

/** Starts writing a committed turn's reply, or hands it to a node that holds its model. */
export function startTurn(ctx: ChatContext, turn: Turn, model: string): void {
  if (!turn.isWrittenHere) {
    ctx.chat.placement?.handOff(turn.reply.id);
    return;
  }
  ctx.chat.generations.start(ctx.db, {
    conversationId: turn.reply.conversation_id,
    messageId: turn.reply.id,
    userMessageId: turn.questionId,
    model,
  });
}

export async function startExchange(ctx: ChatContext, turn: Turn, model: string): Promise<Exchange> {
  startTurn(ctx, turn, model);
  const rows = [turn.question as MessageRow, turn.reply];
  const [userMessage, assistantMessage] = await withSiblings(ctx.db, turn.reply.conversation_id, rows);
  return { userMessage: userMessage as Message, assistantMessage: assistantMessage as Message };
}

/** Points the conversation at a new leaf; a new message also moves it to the top of the list. */
export async function setActive(
  tx: Queryable,
  conversationId: string,
  leafId: string,
  now: Date | undefined,
  model?: string,
) {
  const { rows } = await tx.query<ConversationRow>(
    `UPDATE conversations SET active_message_id = $2, updated_at = COALESCE($3, updated_at),
       model = COALESCE(model, $4)
     WHERE id = $1 RETURNING ${CONVERSATION_COLUMNS}`,
    [conversationId, leafId, now ?? null, model ?? null],
  );
  return rows[0] as ConversationRow;
}

export async function ownedConversation(
  db: Queryable,
  ownerId: string,
  conversationId: string,
  options: { lock?: boolean } = {},
): Promise<ConversationHead | undefined> {
  const { rows } = await db.query<ConversationHead>(
    `SELECT id, model, active_message_id FROM conversations
     WHERE id = $1 AND owner_id = $2 AND deleted_at IS NULL ${options.lock ? "FOR UPDATE" : ""}`,
    [conversationId, ownerId],
  );
  return rows[0];
}

/**
 * Refuses a new reply while the owner has `maxRepliesInProgress` pending or streaming. The owner's
 * row is locked first, so concurrent sends from one user are counted one after another.
 */
async function checkRepliesInProgress(tx: Queryable, ctx: ChatContext, ownerId: string): Promise<ChatResult<void>> {
  await tx.query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", [ownerId]);
  const { rows } = await tx.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM messages m JOIN conversations c ON c.id = m.conversation_id
     WHERE m.status IN ('pending', 'streaming') AND c.owner_id = $1`,
    [ownerId],
  );
  const limit = ctx.chat.maxRepliesInProgress;
  return (rows[0]?.count ?? 0) >= limit ? fail(problems.tooManyReplies(limit)) : ok(undefined);
}
