import type { Database } from "@hearth/db";
import { type EventBus, newEvent } from "./events.ts";
import { recordEvents } from "./record-events.ts";

/** Which unfinished replies lost their writer. */
export type Orphans =
  /** Every one: at the start of the only node (the embedded database), nothing else writes replies. */
  | { all: true }
  /**
   * Those whose lease ran out (among nodes): a reply never leased, queued before leases were taken,
   * counts from its last change.
   */
  | { all: false; leaseMs: number };

/**
 * Marks replies left `pending` or `streaming` by a process that is gone as `interrupted`, with a
 * `message.done` event each. Run at start, before any generation, and, among nodes, every little
 * while: a node killed mid-reply leaves its replies to the others.
 */
export async function interruptUnfinishedReplies(
  db: Database,
  bus: EventBus,
  now: Date,
  orphans: Orphans = { all: true },
): Promise<number> {
  const cutoff = new Date(now.getTime() - (orphans.all ? 0 : orphans.leaseMs));
  const { rows } = await db.query<{ id: string; conversation_id: string }>(
    `SELECT id, conversation_id FROM messages WHERE status IN ('pending', 'streaming')
     ${orphans.all ? "" : "AND (lease_until < $1 OR (lease_until IS NULL AND updated_at < $2))"}`,
    orphans.all ? [] : [now, cutoff],
  );
  // Checked again as each is settled: a lease renewed meanwhile keeps its reply.
  const isStillOrphan = orphans.all ? "" : "AND (lease_until < $4 OR (lease_until IS NULL AND updated_at < $6))";
  let interrupted = 0;
  for (const row of rows) {
    // Each reply's status and its event commit together, and only from an unfinished status.
    const event = newEvent("message.done", { messageId: row.id, status: "interrupted", usage: null });
    const events = await recordEvents(db, bus, now, row.conversation_id, [event], {
      sql: `settle AS (
        UPDATE messages SET status = 'interrupted', error = 'The server stopped before the reply finished.',
          updated_at = $4, finished_at = $4, lease_until = NULL
        WHERE id = $5 AND status IN ('pending', 'streaming') ${isStillOrphan} RETURNING id
      )`,
      params: orphans.all ? [row.id] : [row.id, cutoff],
      requires: "settle",
    });
    interrupted += events.length;
  }
  return interrupted;
}
