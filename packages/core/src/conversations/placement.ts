/**
 * @module Where a reply is written. On one node, always here. Among nodes, local models live in each
 * node's own models dir: a node that does not hold a reply's model leaves the reply unleased and
 * hands it off; a node that holds it claims it (one conditional UPDATE, so exactly one does) and
 * writes it. Events reach the asking node's clients through the bus like any other node's.
 */
import type { Queryable } from "@hearth/db";
import type { GenerationJob } from "./generations.ts";

export interface ReplyPlacement {
  /** Whether this node writes replies of `model` (a qualified id) itself. */
  runsHere(model: string): boolean;
  /** Asks the nodes that hold the reply's model to write it; called after its row is committed, unleased. */
  handOff(messageId: string): void;
  /**
   * Sends a /v1 request for `model` (qualified; one this node does not write) to a node that holds it,
   * with `body` as read here and the request's id, and gives back that node's answer; undefined when no
   * other node holds it.
   */
  forward(model: string, request: Request, body: ArrayBuffer, requestId: string): Promise<Response | undefined>;
}

/** The most replies one claim takes: a node takes what it can start now, the rest stay for others. */
const CLAIM_BATCH = 8;

/**
 * Claims unleased pending replies of `models` (all of them, or those in `messageIds`), leasing them
 * until `leaseUntil`, and returns them to be written here. `unclaimedFor` leaves alone replies
 * younger than that (a sweep for hand-offs whose message was lost, not a race with the asker).
 */
export async function claimReplies(
  db: Queryable,
  options: { models: readonly string[]; leaseUntil: Date; messageIds?: readonly string[]; createdBefore?: Date },
): Promise<GenerationJob[]> {
  if (options.models.length === 0) return [];
  const { rows } = await db.query<{ id: string; conversation_id: string; parent_id: string; model: string }>(
    `UPDATE messages SET lease_until = $1
     WHERE id IN (
       SELECT id FROM messages
       WHERE status = 'pending' AND lease_until IS NULL AND role = 'assistant' AND model = ANY($2::text[])
         AND ($3::uuid[] IS NULL OR id = ANY($3::uuid[]))
         AND ($4::timestamptz IS NULL OR created_at < $4)
       ORDER BY created_at LIMIT ${CLAIM_BATCH}
       FOR UPDATE SKIP LOCKED
     ) AND lease_until IS NULL
     RETURNING id, conversation_id, parent_id, model`,
    [options.leaseUntil, options.models, options.messageIds ?? null, options.createdBefore ?? null],
  );
  return rows.map((row) => ({
    conversationId: row.conversation_id,
    messageId: row.id,
    userMessageId: row.parent_id,
    model: row.model,
  }));
}
