/**
 * @module Stores an exchange written elsewhere (a /v1 completion that named the conversation): the
 * question and its finished answer, under the active leaf, announced to the conversation's streams.
 */
import type { Queryable } from "@hearth/db";
import { checkStorageQuota } from "../limits/storage.ts";
import { fail, ok } from "../problems.ts";
import type { ChatContext, ChatResult } from "./chat.ts";
import { newEvent } from "./events.ts";
import { findOwnedMessage, insertMessage, type MessageRow, presentNode, UNFINISHED, withSiblings } from "./messages.ts";
import { conversationsProblems as problems } from "./problems.ts";
import { recordInTransaction } from "./record-events.ts";
import type { Exchange, Message, MessagePart } from "./schema.ts";
import { ownedConversation, setActive } from "./turn.ts";

/** An exchange as another capability hands it over; the answer is stored `done`. */
export interface ExchangeRecord {
  question: string;
  answer: {
    content: string;
    /** Tool calls and results within the answer, at offsets into `content`. */
    parts: MessagePart[];
    /** The qualified id of the model that wrote it. */
    model: string;
    usage?: { promptTokens: number; completionTokens: number } | undefined;
  };
}

/**
 * Whether an exchange of `questionBytes` could be stored in the conversation now: it is the owner's
 * (another user's id is not found, as everywhere) and the question fits their storage quota. Checked
 * before a model writes an answer that could not be stored; `recordExchange` checks again.
 */
export async function checkExchangeTarget(
  ctx: Pick<ChatContext, "db" | "limits">,
  ownerId: string,
  conversationId: string,
  questionBytes: number,
): Promise<ChatResult<void>> {
  if ((await ownedConversation(ctx.db, ownerId, conversationId)) === undefined) {
    return fail(problems.conversationNotFound(conversationId));
  }
  return checkStorageQuota(ctx.db, ownerId, questionBytes, ctx.limits.storageBytes);
}

/**
 * Appends the question and its answer to the active branch, makes the answer the active leaf, and
 * logs `message.created` for both and `message.done` for the answer, published once committed.
 * Refused while the branch ends in a reply still being written, or past the owner's storage quota.
 */
export async function recordExchange(
  ctx: ChatContext,
  ownerId: string,
  conversationId: string,
  exchange: ExchangeRecord,
): Promise<ChatResult<Exchange>> {
  const { question, answer } = exchange;
  const recorded = await recordInTransaction(ctx.db, ctx.chat.bus, ctx.clock.now(), async (tx, log) => {
    const conversation = await ownedConversation(tx, ownerId, conversationId, { lock: true });
    if (conversation === undefined) return fail(problems.conversationNotFound(conversationId));
    const parentId = conversation.active_message_id;
    if (parentId !== null) {
      const parent = await findOwnedMessage(tx, ownerId, parentId);
      if (parent === undefined) return fail(problems.messageNotFound(parentId));
      if (parent.role !== "assistant") {
        return fail(problems.wrongRole(parentId, parent.role, "a question follows a reply, not another question"));
      }
      if (UNFINISHED.includes(parent.status)) return fail(problems.replyInProgress(parentId));
    }
    // The conversation is locked first, then the owner's row, in the order sends take them.
    await tx.query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", [ownerId]);
    const bytes = Buffer.byteLength(question) + Buffer.byteLength(answer.content);
    const quota = await checkStorageQuota(tx, ownerId, bytes, ctx.limits.storageBytes);
    if (!quota.ok) return quota;
    const now = ctx.clock.now();
    const asked = await insertMessage(
      tx,
      { conversationId, parentId, role: "user", content: question, status: "done", model: null },
      now,
    );
    const inserted = await insertMessage(
      tx,
      {
        conversationId,
        parentId: asked.id,
        role: "assistant",
        content: answer.content,
        status: "done",
        model: answer.model,
      },
      now,
    );
    const answered = await completeAnswer(tx, inserted, answer);
    await setActive(tx, conversationId, answered.id, now, answer.model);
    const usage = answer.usage ?? null;
    await log.append(conversationId, [
      newEvent("message.created", presentNode(asked)),
      newEvent("message.created", presentNode(answered)),
      newEvent("message.done", { messageId: answered.id, status: "done", usage }),
    ]);
    return ok([asked, answered] as const);
  });
  if (!recorded.ok) return recorded;
  const [userMessage, assistantMessage] = await withSiblings(ctx.db, conversationId, [...recorded.value]);
  return ok({ userMessage: userMessage as Message, assistantMessage: assistantMessage as Message });
}

/** Adds what `insertMessage` does not write: the answer's tool parts and its usage. */
async function completeAnswer(tx: Queryable, row: MessageRow, answer: ExchangeRecord["answer"]): Promise<MessageRow> {
  if (answer.parts.length === 0 && answer.usage === undefined) return row;
  const { rows } = await tx.query<Pick<MessageRow, "parts" | "prompt_tokens" | "completion_tokens">>(
    `UPDATE messages SET parts = $2::jsonb, prompt_tokens = $3, completion_tokens = $4 WHERE id = $1
     RETURNING parts, prompt_tokens, completion_tokens`,
    [
      row.id,
      answer.parts.length === 0 ? null : JSON.stringify(answer.parts),
      answer.usage?.promptTokens ?? null,
      answer.usage?.completionTokens ?? null,
    ],
  );
  return { ...row, ...rows[0] };
}
