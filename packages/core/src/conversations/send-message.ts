import { fail, ok } from "../problems.ts";
import type { ChatContext, ChatResult } from "./chat.ts";
import { checkMessageFits } from "./message-fits.ts";
import { findOwnedMessage, UNFINISHED } from "./messages.ts";
import { conversationsProblems as problems } from "./problems.ts";
import { recordInTransaction } from "./record-events.ts";
import { resolveModel } from "./resolve-model.ts";
import type { Exchange, SendMessageInput } from "./schema.ts";
import { lockForReply, ownedConversation, startExchange, type Turn, writeTurn } from "./turn.ts";

/** Appends a question and starts its reply: `parentId` defaults to the active branch's last reply. */
export async function sendMessage(
  ctx: ChatContext,
  ownerId: string,
  conversationId: string,
  input: SendMessageInput,
): Promise<ChatResult<Exchange>> {
  const conversation = await ownedConversation(ctx.db, ownerId, conversationId);
  if (conversation === undefined) return fail(problems.conversationNotFound(conversationId));
  const model = await resolveModel(ctx.chat, input.model ?? conversation.model);
  if (!model.ok) return model;
  const fits = await checkMessageFits(ctx.chat, model.value, input.content);
  if (!fits.ok) return fits;
  const turn = await recordInTransaction(
    ctx.db,
    ctx.chat.bus,
    ctx.clock.now(),
    async (tx, log): Promise<ChatResult<Turn>> => {
      const locked = await lockForReply(tx, ctx, ownerId, conversationId, Buffer.byteLength(input.content));
      if (!locked.ok) return locked;
      const parentId = input.parentId === undefined ? locked.value.active_message_id : input.parentId;
      if (parentId !== null) {
        const parent = await findOwnedMessage(tx, ownerId, parentId);
        if (parent === undefined || parent.conversation_id !== conversationId) {
          return fail(problems.messageNotFound(parentId));
        }
        if (parent.role !== "assistant") {
          return fail(problems.wrongRole(parentId, parent.role, "a message answers a reply, not another message"));
        }
        if (UNFINISHED.includes(parent.status)) return fail(problems.replyInProgress(parentId));
      }
      return ok(await writeTurn(tx, log, ctx, conversationId, model.value, { parentId, content: input.content }));
    },
  );
  if (!turn.ok) return turn;
  return ok(await startExchange(ctx, turn.value, model.value));
}
