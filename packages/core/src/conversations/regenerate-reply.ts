import { fail, ok } from "../problems.ts";
import type { ChatContext, ChatResult } from "./chat.ts";
import { findOwnedMessage, withSiblingsOne } from "./messages.ts";
import { conversationsProblems as problems } from "./problems.ts";
import { recordInTransaction } from "./record-events.ts";
import { resolveModel } from "./resolve-model.ts";
import type { Message } from "./schema.ts";
import { lockForReply, ownedConversation, startTurn, type Turn, writeTurn } from "./turn.ts";

/** Writes another reply to the same question, as a sibling of `messageId`. */
export async function regenerateReply(
  ctx: ChatContext,
  ownerId: string,
  messageId: string,
  requestedModel: string | undefined,
): Promise<ChatResult<Message>> {
  const original = await findOwnedMessage(ctx.db, ownerId, messageId);
  if (original === undefined) return fail(problems.messageNotFound(messageId));
  const questionId = original.parent_id;
  if (original.role !== "assistant" || questionId === null) {
    return fail(problems.wrongRole(messageId, original.role, "only replies can be regenerated; edit the message"));
  }
  const conversation = await ownedConversation(ctx.db, ownerId, original.conversation_id);
  const model = await resolveModel(ctx.chat, requestedModel ?? original.model ?? conversation?.model ?? null);
  if (!model.ok) return model;
  const turn = await recordInTransaction(
    ctx.db,
    ctx.chat.bus,
    ctx.clock.now(),
    async (tx, log): Promise<ChatResult<Turn>> => {
      const locked = await lockForReply(tx, ctx, ownerId, original.conversation_id, 0);
      if (!locked.ok) return locked;
      return ok(await writeTurn(tx, log, ctx, original.conversation_id, model.value, { id: questionId }));
    },
  );
  if (!turn.ok) return turn;
  startTurn(ctx, turn.value, model.value);
  return ok(await withSiblingsOne(ctx.db, turn.value.reply));
}
