import { fail, ok } from "../problems.ts";
import type { ChatContext, ChatResult } from "./chat.ts";
import { checkMessageFits } from "./message-fits.ts";
import { findOwnedMessage } from "./messages.ts";
import { conversationsProblems as problems } from "./problems.ts";
import { recordInTransaction } from "./record-events.ts";
import { resolveModel } from "./resolve-model.ts";
import type { Exchange } from "./schema.ts";
import { lockForReply, ownedConversation, startExchange, type Turn, writeTurn } from "./turn.ts";

/** Edits a message by adding its new version as a sibling, with a fresh reply; the old branch stays. */
export async function editMessage(
  ctx: ChatContext,
  ownerId: string,
  messageId: string,
  content: string,
): Promise<ChatResult<Exchange>> {
  const original = await findOwnedMessage(ctx.db, ownerId, messageId);
  if (original === undefined) return fail(problems.messageNotFound(messageId));
  if (original.role !== "user") {
    return fail(
      problems.wrongRole(messageId, original.role, "only your own messages can be edited; regenerate a reply"),
    );
  }
  const conversation = await ownedConversation(ctx.db, ownerId, original.conversation_id);
  const model = await resolveModel(ctx.chat, conversation?.model ?? null);
  if (!model.ok) return model;
  const fits = await checkMessageFits(ctx.chat, model.value, content);
  if (!fits.ok) return fits;
  const turn = await recordInTransaction(
    ctx.db,
    ctx.chat.bus,
    ctx.clock.now(),
    async (tx, log): Promise<ChatResult<Turn>> => {
      const locked = await lockForReply(tx, ctx, ownerId, original.conversation_id, Buffer.byteLength(content));
      if (!locked.ok) return locked;
      const question = { parentId: original.parent_id, content };
      return ok(await writeTurn(tx, log, ctx, original.conversation_id, model.value, question));
    },
  );
  if (!turn.ok) return turn;
  return ok(await startExchange(ctx, turn.value, model.value));
}
