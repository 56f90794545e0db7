import type { Database } from "@hearth/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../accounts/users.ts";
import { createConversation } from "../conversations/service.ts";
import { databaseWithOwner } from "../conversations/test-owner.ts";
import { unwrap } from "../problems.ts";
import { toVectorLiteral } from "./search-index.ts";
import { searchMessages } from "./search-messages.ts";
import { ensureVectorIndex, prepareVectorStore } from "./vector-store.ts";

const USERS = 20;
const MESSAGES_PER_USER = 250;
const DIMS = 8;

/** A vector of random coordinates, the same for the same seed. */
function vectorFor(seed: number): number[] {
  let state = seed * 2654435761;
  return Array.from({ length: DIMS }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  });
}

/**
 * Search by meaning through the HNSW index for one user among many: the index's nearest vectors are
 * mostly other users', and the scan must go on until enough of this user's pass (each holds 1/20).
 */
// On a PostgreSQL server (TEST_DATABASE_URL) without pgvector, as Debian's, there are no vectors to search.
describe.skipIf(process.env.TEST_DATABASE_URL !== undefined)(
  "a filtered search by meaning through the HNSW index",
  { timeout: 60_000 },
  () => {
    let db: Database;
    const userIds: string[] = [];

    beforeAll(async () => {
      let ownerId: string;
      ({ db, ownerId } = await databaseWithOwner());
      expect(await prepareVectorStore(db)).toBe(true);
      userIds.push(ownerId);
      for (let index = 1; index < USERS; index++) {
        const input = { username: `user${index}`, email: `user${index}@example.com`, password: "a long password here" };
        userIds.push(unwrap(await createUser(db, { ...input, role: "user" }, new Date())).id);
      }
      let seed = 0;
      for (const userId of userIds) {
        const conversationId = (await createConversation(db, userId, {}, new Date())).id;
        const vectors = Array.from({ length: MESSAGES_PER_USER }, () => toVectorLiteral(vectorFor(++seed)));
        await db.query(
          `WITH made AS (
           INSERT INTO messages (conversation_id, role, content, status, created_at, updated_at)
           SELECT $1, 'user', 'message ' || n, 'done', now(), now() FROM generate_series(1, $3::int) n
           RETURNING id, content
         ), numbered AS (SELECT id, content, row_number() OVER () AS n FROM made),
         chunks AS (
           INSERT INTO search_chunks (message_id, chunk, user_id, conversation_id, role, created_at, language, text, embedded_with)
           SELECT id, 0, $2, $1, 'user', now(), 'english', content, 'test/model' FROM numbered
           RETURNING message_id
         )
         INSERT INTO search_vectors (message_id, chunk, user_id, model, dims, embedding)
         SELECT id, 0, $2, 'test/model', ${DIMS}, ($4::text[])[n]::vector FROM numbered`,
          [conversationId, userId, MESSAGES_PER_USER, vectors],
        );
      }
      await ensureVectorIndex(db, DIMS);
      await db.exec("ANALYZE");
      // As the planner chooses on a large table: the index, not a scan of every vector.
      await db.exec("SET enable_seqscan = off");
    });
    afterAll(() => db.close());

    it("finds as many of the user's messages as asked for, the nearest first", async () => {
      for (const userId of userIds.slice(0, 3)) {
        const hits = await searchMessages(db, {
          userId,
          query: "",
          textConfig: "english",
          filters: {},
          limit: 20,
          vector: { modelId: "test/model", values: vectorFor(7) },
          keyword: false,
        });
        expect(hits).toHaveLength(20);
        const scores = hits.map((hit) => hit.score);
        expect(scores).toEqual([...scores].sort((a, b) => b - a));
      }
    });
  },
);
