/**
 * Writes long conversations straight into the database, as years of use would leave them: a linear
 * chain of alternating user and assistant messages, all `done`, the conversation pointing at the last.
 */
import { randomUUID } from "node:crypto";
import type { Database, Queryable } from "@hearth/db";
import { promptOf } from "./bench-model.ts";

/** Rows per INSERT: one statement's arrays stay a few MB. */
const BATCH = 5_000;
/** Words per message: a short question, a longer answer (≈ 40 and 160 bytes). */
const USER_WORDS = 8;
const ASSISTANT_WORDS = 32;

export interface SeededConversation {
  conversationId: string;
  activeMessageId: string;
  messages: number;
}

/** The id of the user the bench signed up (setUpAccount), who will own the conversations. */
export async function findBenchUser(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ id: string }>("SELECT id FROM users WHERE username = 'bench'");
  const user = rows[0];
  if (user === undefined) throw new Error("The bench user is not in the database: set the account up first.");
  return user.id;
}

/** One conversation of `count` messages, in one transaction of batched INSERT … SELECT FROM unnest(…). */
export async function seedConversation(
  db: Database,
  ownerId: string,
  model: string,
  count: number,
): Promise<SeededConversation> {
  // Created as long ago as it has messages, a second apart, so timestamps stay in the past and ordered.
  const startedAt = Date.now() - count * 1000;
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO conversations (owner_id, title, title_source, model, created_at, updated_at)
       VALUES ($1, $2, 'user', $3, $4, $4) RETURNING id`,
      [ownerId, `${count.toLocaleString("en")} messages`, model, new Date(startedAt)],
    );
    const conversationId = (rows[0] as { id: string }).id;
    let parentId: string | null = null;
    for (let first = 0; first < count; first += BATCH) {
      const ids: string[] = [];
      const parents: (string | null)[] = [];
      const roles: string[] = [];
      const contents: string[] = [];
      const times: string[] = [];
      for (let index = first; index < Math.min(count, first + BATCH); index++) {
        const id = randomUUID();
        const isUser = index % 2 === 0;
        ids.push(id);
        parents.push(parentId);
        roles.push(isUser ? "user" : "assistant");
        contents.push(`${index}: ${promptOf(isUser ? USER_WORDS : ASSISTANT_WORDS, index)}`);
        times.push(new Date(startedAt + index * 1000).toISOString());
        parentId = id;
      }
      await tx.query(
        `INSERT INTO messages (id, conversation_id, parent_id, role, content, status, model, created_at, updated_at)
         SELECT id, $1::uuid, parent_id, role, content, 'done', CASE WHEN role = 'assistant' THEN $2::text END, at, at
         FROM unnest($3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::timestamptz[])
           AS seeded (id, parent_id, role, content, at)`,
        [conversationId, model, ids, parents, roles, contents, times],
      );
    }
    await tx.query("UPDATE conversations SET active_message_id = $2, updated_at = now() WHERE id = $1", [
      conversationId,
      parentId,
    ]);
    return { conversationId, activeMessageId: parentId as string, messages: count };
  });
}
