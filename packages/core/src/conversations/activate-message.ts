import { fail, ok } from "../problems.ts";
import type { ChatContext, ChatResult } from "./chat.ts";
import { activePath, findOwnedMessage, newestLeafUnder } from "./messages.ts";
import { conversationsProblems as problems } from "./problems.ts";
import { recordInTransaction } from "./record-events.ts";
import type { MessagePath } from "./schema.ts";
import { conversationUpdatedEvent } from "./service.ts";
import { setActive } from "./turn.ts";

/** Makes the branch through `messageId` the active path (following the newest replies below it). */
export async function activateMessage(
  ctx: ChatContext,
  ownerId: string,
  messageId: string,
  page: { limit: number },
): Promise<ChatResult<MessagePath>> {
  const message = await findOwnedMessage(ctx.db, ownerId, messageId);
  if (message === undefined) return fail(problems.messageNotFound(messageId));
  const leaf = await newestLeafUnder(ctx.db, messageId);
  await recordInTransaction(ctx.db, ctx.chat.bus, ctx.clock.now(), async (tx, log) => {
    const row = await setActive(tx, message.conversation_id, leaf, undefined);
    await log.append(message.conversation_id, [conversationUpdatedEvent(row)]);
  });
  return ok(await activePath(ctx.db, message.conversation_id, page));
}
