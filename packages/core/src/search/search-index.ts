/**
 * @module Keeps the search index up to date with the messages: finished messages are cut into chunks
 * (with their owner's language for full-text search), and chunks get vectors from the configured
 * embedding model. Both steps work in batches a transaction long, so a process killed halfway leaves
 * every message indexed once or still to index, never half of one.
 */
import type { Database, Queryable } from "@hearth/db";
import { chunkText } from "./chunk-text.ts";
import { ensureVectorIndex } from "./vector-store.ts";

/** What embeds text for search: a model of the registry, by its id. */
export interface Embedder {
  modelId: string;
  embed(texts: readonly string[], signal: AbortSignal): Promise<number[][]>;
}

/** The statuses after which a message's text no longer changes. */
const FINAL_STATUSES = "('done', 'cancelled', 'interrupted', 'error')";

/** The full-text configuration for each language of the web app; others search with English's. */
const TEXT_SEARCH_CONFIGS: Record<string, string> = { en: "english", de: "german", es: "spanish", fr: "french" };

export const textSearchConfig = (language: string | null): string => TEXT_SEARCH_CONFIGS[language ?? "en"] ?? "english";

/**
 * Indexes up to `batch` finished messages not yet indexed, oldest first; how many it took. One sweep
 * runs at a time (a singleton job), so the messages are read without a lock: a lock on them held
 * while the chunks' keys wait on their conversation would deadlock with a reply being sent there
 * (it holds the conversation and inserts a message referring to one of ours). Locks are taken in the
 * senders' order instead: the conversation (by the chunks' keys), then the messages (by the update).
 */
export async function indexPendingMessages(db: Database, now: Date, batch = 200): Promise<number> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{
      id: string;
      conversation_id: string;
      owner_id: string;
      role: string;
      model: string | null;
      content: string;
      created_at: Date;
      language: string | null;
    }>(
      `SELECT m.id, m.conversation_id, c.owner_id, m.role, m.model, m.content, m.created_at, u.language
       FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN users u ON u.id = c.owner_id
       WHERE m.search_indexed_at IS NULL AND m.status IN ${FINAL_STATUSES}
       ORDER BY m.seq LIMIT $1`,
      [batch],
    );
    if (rows.length === 0) return 0;
    const ids = rows.map((row) => row.id);
    const chunks = rows.flatMap((row) =>
      chunkText(row.content).map((text, chunk) => ({ ...row, chunk, text, config: textSearchConfig(row.language) })),
    );
    await tx.query("DELETE FROM search_chunks WHERE message_id = ANY($1::uuid[])", [ids]);
    if (chunks.length > 0) {
      await tx.query(
        `INSERT INTO search_chunks (message_id, chunk, user_id, conversation_id, role, model, created_at, language, text)
         SELECT message_id, chunk, user_id, conversation_id, role, model, created_at, language::regconfig, text
         FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::text[])
           AS c (message_id, chunk, user_id, conversation_id, role, model, created_at, language, text)
         ON CONFLICT (message_id, chunk) DO NOTHING`,
        [
          chunks.map((c) => c.id),
          chunks.map((c) => c.chunk),
          chunks.map((c) => c.owner_id),
          chunks.map((c) => c.conversation_id),
          chunks.map((c) => c.role),
          chunks.map((c) => c.model),
          chunks.map((c) => c.created_at),
          chunks.map((c) => c.config),
          chunks.map((c) => c.text),
        ],
      );
    }
    await tx.query(
      "UPDATE messages SET search_indexed_at = $2 WHERE id = ANY($1::uuid[]) AND search_indexed_at IS NULL",
      [ids, now],
    );
    return rows.length;
  });
}

/** A chunk that waits for its vector. */
export interface ChunkToEmbed {
  message_id: string;
  chunk: number;
  user_id: string;
  text: string;
}

/**
 * Up to `batch` chunks without a vector, newest first (recent history is what people look for),
 * leaving out `skip` (a batch being embedded now, whose vectors are not stored yet).
 */
export async function chunksToEmbed(
  db: Queryable,
  batch: number,
  skip: readonly ChunkToEmbed[] = [],
): Promise<ChunkToEmbed[]> {
  const { rows } = await db.query<ChunkToEmbed>(
    `SELECT message_id, chunk, user_id, text FROM search_chunks
     WHERE embedded_with IS NULL
       AND (message_id, chunk) NOT IN (SELECT * FROM unnest($2::uuid[], $3::int[]))
     ORDER BY created_at DESC LIMIT $1`,
    [batch, skip.map((row) => row.message_id), skip.map((row) => row.chunk)],
  );
  return rows;
}

/**
 * Stores the vectors `modelId` made for `rows` (one each, all of one width) and marks the chunks done.
 * A chunk deleted meanwhile (its message, conversation or account deleted while the engine worked) is
 * left out.
 */
export async function storeVectors(
  db: Database,
  modelId: string,
  rows: readonly ChunkToEmbed[],
  vectors: readonly (readonly number[])[],
): Promise<void> {
  const dims = vectors[0]?.length ?? 0;
  if (vectors.length !== rows.length || dims === 0 || vectors.some((vector) => vector.length !== dims)) {
    throw new Error(`${modelId} answered ${vectors.length} vectors of mixed or no width for ${rows.length} texts`);
  }
  await ensureVectorIndex(db, dims);
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO search_vectors (message_id, chunk, user_id, model, dims, embedding)
       SELECT v.message_id, v.chunk, v.user_id, $4, $5, v.embedding::vector
       FROM unnest($1::uuid[], $2::int[], $3::uuid[], $6::text[]) AS v (message_id, chunk, user_id, embedding)
         JOIN search_chunks s ON s.message_id = v.message_id AND s.chunk = v.chunk
       ON CONFLICT (message_id, chunk) DO UPDATE SET model = $4, dims = $5, embedding = excluded.embedding`,
      [
        rows.map((row) => row.message_id),
        rows.map((row) => row.chunk),
        rows.map((row) => row.user_id),
        modelId,
        dims,
        vectors.map(toVectorLiteral),
      ],
    );
    await tx.query(
      `UPDATE search_chunks SET embedded_with = $3
       FROM unnest($1::uuid[], $2::int[]) AS done (message_id, chunk)
       WHERE search_chunks.message_id = done.message_id AND search_chunks.chunk = done.chunk`,
      [rows.map((row) => row.message_id), rows.map((row) => row.chunk), modelId],
    );
  });
}

/** pgvector's text form of a vector. */
export const toVectorLiteral = (vector: readonly number[]): string => `[${vector.join(",")}]`;

/**
 * Follows a change of embedding model: every chunk is to embed again (search keeps answering by
 * keyword, and by the vectors already made with the new model, meanwhile). No model: nothing changes.
 */
export async function followEmbeddingModel(db: Database, modelId: string | undefined, hasVectors: boolean) {
  if (modelId === undefined) return;
  await db.transaction(async (tx) => {
    const { rows } = await tx.query<{ embedding_model: string | null }>(
      "SELECT embedding_model FROM search_state FOR UPDATE",
    );
    if (rows[0]?.embedding_model === modelId) return;
    await tx.query("UPDATE search_chunks SET embedded_with = NULL WHERE embedded_with IS NOT NULL");
    if (hasVectors) await tx.query("DELETE FROM search_vectors WHERE model <> $1", [modelId]);
    await tx.query("UPDATE search_state SET embedding_model = $1", [modelId]);
  });
}

/** What is left to index: messages not yet in the index and, with an embedding model, chunks without a vector. */
export async function indexBacklog(
  db: Queryable,
  userId: string | undefined,
  withEmbeddings: boolean,
): Promise<{ messagesToIndex: number; chunksToEmbed: number }> {
  const { rows } = await db.query<{ messages: number; chunks: number }>(
    `SELECT
       (SELECT count(*)::int FROM messages m JOIN conversations c ON c.id = m.conversation_id
        WHERE m.search_indexed_at IS NULL AND m.status IN ${FINAL_STATUSES}
          AND ($1::uuid IS NULL OR c.owner_id = $1)) AS messages,
       CASE WHEN $2 THEN (SELECT count(*)::int FROM search_chunks
         WHERE embedded_with IS NULL AND ($1::uuid IS NULL OR user_id = $1)) ELSE 0 END AS chunks`,
    [userId ?? null, withEmbeddings],
  );
  return { messagesToIndex: rows[0]?.messages ?? 0, chunksToEmbed: rows[0]?.chunks ?? 0 };
}

/** Whether any work waits: cheap enough to ask every few seconds. */
export async function hasIndexWork(db: Queryable, withEmbeddings: boolean): Promise<boolean> {
  const { rows } = await db.query<{ waiting: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM messages WHERE search_indexed_at IS NULL AND status IN ${FINAL_STATUSES})
       OR ($1 AND EXISTS (SELECT 1 FROM search_chunks WHERE embedded_with IS NULL)) AS waiting`,
    [withEmbeddings],
  );
  return rows[0]?.waiting === true;
}
