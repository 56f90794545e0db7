import type { Database } from "@hearth/db";
import { beforeEach, describe, expect, it } from "vitest";
import { createConversation } from "../conversations/service.ts";
import { databaseWithOwner } from "../conversations/test-owner.ts";
import type { Embedder } from "./search-index.ts";
import { sweepSearchIndex } from "./search-indexer.ts";
import { prepareVectorStore } from "./vector-store.ts";

/** A vector that says which text it was made for: its length and its number. */
const vectorOf = (text: string): number[] => [text.length, Number(text.split(" ")[1] ?? 0), 1];

/**
 * The sweep embeds the next batch while it stores the one before: each chunk must get its own text's
 * vector, once, including chunks that appear while it runs, and a failure must leave what is not
 * stored still waiting.
 */
// On a PostgreSQL server (TEST_DATABASE_URL) without pgvector, as Debian's, there are no vectors to store.
describe.skipIf(process.env.TEST_DATABASE_URL !== undefined)("the search sweep", { timeout: 60_000 }, () => {
  let db: Database;
  let conversationId: string;
  const now = () => new Date();

  const write = async (from: number, count: number) => {
    await db.query(
      `INSERT INTO messages (conversation_id, role, content, status, created_at, updated_at)
       SELECT $1, 'user', 'message ' || n, 'done', now(), now() FROM generate_series($2::int, $3::int) AS n`,
      [conversationId, from, from + count - 1],
    );
  };

  /** An embedder that takes a while (so batches overlap), records what it was given, and may fail. */
  const recording = (failOnCall?: number) => {
    const batches: string[][] = [];
    const embedder: Embedder = {
      modelId: "test/embedder",
      embed: async (texts) => {
        batches.push([...texts]);
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (batches.length === failOnCall) throw new Error("the engine went away");
        return texts.map(vectorOf);
      },
    };
    return { embedder, batches };
  };

  const stored = async () =>
    (
      await db.query<{ text: string; embedding: string; embedded_with: string | null }>(
        `SELECT s.text, v.embedding::text AS embedding, s.embedded_with
         FROM search_chunks s LEFT JOIN search_vectors v USING (message_id, chunk) ORDER BY s.text`,
      )
    ).rows;

  beforeEach(async () => {
    let ownerId: string;
    ({ db, ownerId } = await databaseWithOwner());
    expect(await prepareVectorStore(db)).toBe(true);
    conversationId = (await createConversation(db, ownerId, {}, new Date())).id;
  });

  it("gives every chunk its own text's vector once, also chunks written while it runs", async () => {
    await write(1, 150);
    const { embedder, batches } = recording();
    const signal = new AbortController().signal;
    let wroteMore = false;
    const done = await sweepSearchIndex(db, {
      now,
      embedder,
      signal,
      progress: async (progress) => {
        // New messages arrive while the sweep embeds; the next sweep's indexing takes them in.
        if (progress.embedded > 0 && !wroteMore) {
          wroteMore = true;
          await write(151, 40);
        }
      },
    });
    expect(done).toEqual({ indexed: 150, embedded: 150 });
    const again = await sweepSearchIndex(db, { now, embedder, signal, progress: async () => {} });
    expect(again).toEqual({ indexed: 40, embedded: 40 });

    const texts = batches.flat();
    expect(texts).toHaveLength(190);
    expect(new Set(texts).size).toBe(190);
    expect(Math.max(...batches.map((batch) => batch.length))).toBe(32);
    const rows = await stored();
    expect(rows).toHaveLength(190);
    for (const row of rows) {
      expect(row.embedded_with).toBe("test/embedder");
      expect(row.embedding).toBe(`[${vectorOf(row.text).join(",")}]`);
    }
  });

  it("leaves what it did not store waiting when the engine fails, and a later sweep finishes it", async () => {
    await write(1, 100);
    const failing = recording(3);
    const signal = new AbortController().signal;
    await expect(
      sweepSearchIndex(db, { now, embedder: failing.embedder, signal, progress: async () => {} }),
    ).rejects.toThrow("the engine went away");
    const afterFailure = await stored();
    // The first two batches were embedded; the second was being stored when the third failed, or not.
    const embedded = afterFailure.filter((row) => row.embedding !== null).length;
    expect([32, 64]).toContain(embedded);
    expect(afterFailure.filter((row) => row.embedded_with !== null)).toHaveLength(embedded);

    const { embedder } = recording();
    const done = await sweepSearchIndex(db, { now, embedder, signal, progress: async () => {} });
    expect(done.embedded).toBe(100 - embedded);
    for (const row of await stored()) expect(row.embedding).toBe(`[${vectorOf(row.text).join(",")}]`);
  });

  it("leaves out a chunk whose message is deleted while the engine embeds it", async () => {
    await write(1, 40);
    const { embedder, batches } = recording();
    const deleting: Embedder = {
      modelId: embedder.modelId,
      embed: async (texts, signal) => {
        if (batches.length === 0) await db.query("DELETE FROM messages WHERE content = $1", [texts[0]]);
        return embedder.embed(texts, signal);
      },
    };
    const signal = new AbortController().signal;
    const done = await sweepSearchIndex(db, { now, embedder: deleting, signal, progress: async () => {} });
    expect(done.embedded).toBe(40);
    const rows = await stored();
    expect(rows).toHaveLength(39);
    expect(rows.map((row) => row.text)).not.toContain(batches[0]?.[0]);
    for (const row of rows) expect(row.embedding).toBe(`[${vectorOf(row.text).join(",")}]`);
  });

  it("stops between batches when it is told to, leaving the rest waiting", async () => {
    await write(1, 100);
    const { embedder } = recording();
    const controller = new AbortController();
    const done = await sweepSearchIndex(db, {
      now,
      embedder,
      signal: controller.signal,
      progress: async (progress) => {
        if (progress.embedded > 0) controller.abort();
      },
    });
    expect(done).toEqual({ indexed: 100, embedded: 32 });
    expect((await stored()).filter((row) => row.embedding !== null)).toHaveLength(32);
  });
});
