import { fail, ok } from "../problems.ts";
import type { ChatContext, ChatResult } from "./chat.ts";
import { newEvent } from "./events.ts";
import { findOwnedMessage, type MessageRow, UNFINISHED, withSiblingsOne } from "./messages.ts";
import { conversationsProblems as problems } from "./problems.ts";
import { recordEvents } from "./record-events.ts";
import type { Message } from "./schema.ts";

/**
 * Stops a reply and keeps what it had written, as `cancelled`. A reply this process is not writing
 * (its writer is gone) is settled directly.
 */
export async function cancelReply(ctx: ChatContext, ownerId: string, messageId: string): Promise<ChatResult<Message>> {
  const message = await findOwnedMessage(ctx.db, ownerId, messageId);
  if (message === undefined) return fail(problems.messageNotFound(messageId));
  if (message.role !== "assistant") {
    return fail(problems.wrongRole(messageId, message.role, "only a reply being written can be cancelled"));
  }
  if (UNFINISHED.includes(message.status) && !(await ctx.chat.generations.cancel(messageId))) {
    await recordEvents(
      ctx.db,
      ctx.chat.bus,
      ctx.clock.now(),
      message.conversation_id,
      [newEvent("message.done", { messageId, status: "cancelled", usage: null })],
      {
        sql: `settle AS (UPDATE messages SET status = 'cancelled', updated_at = $4, finished_at = $4
              WHERE id = $5 AND status IN ('pending', 'streaming') RETURNING id)`,
        params: [messageId],
        // A reply that ended meanwhile keeps its end, and the log claims no cancel.
        requires: "settle",
      },
    );
  }
  const settled = (await findOwnedMessage(ctx.db, ownerId, messageId)) as MessageRow;
  if (settled.status !== "cancelled") return fail(problems.replyFinished(messageId, settled.status));
  return ok(await withSiblingsOne(ctx.db, settled));
}
