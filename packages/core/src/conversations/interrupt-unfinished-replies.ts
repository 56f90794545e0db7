import type { Database } from "@hearth/db";
import { type EventBus, newEvent } from "./events.ts";
import { recordEvents } from "./record-events.ts";

/**
 * Marks every reply left `pending` or `streaming` as `interrupted`, with a `message.done` event each.
 * Run at start, before any generation: such a reply's process is gone.
 */
export async function interruptUnfinishedReplies(db: Database, bus: EventBus, now: Date): Promise<number> {
  const { rows } = await db.query<{ id: string; conversation_id: string }>(
    "SELECT id, conversation_id FROM messages WHERE status IN ('pending', 'streaming')",
  );
  let interrupted = 0;
  for (const row of rows) {
    // Each reply's status and its event commit together, and only from an unfinished status.
    const event = newEvent("message.done", { messageId: row.id, status: "interrupted", usage: null });
    const events = await recordEvents(db, bus, now, row.conversation_id, [event], {
      sql: `settle AS (
        UPDATE messages SET status = 'interrupted', error = 'The server stopped before the reply finished.',
          updated_at = $4, finished_at = $4
        WHERE id = $5 AND status IN ('pending', 'streaming') RETURNING id
      )`,
      params: [row.id],
      requires: "settle",
    });
    interrupted += events.length;
  }
  return interrupted;
}
