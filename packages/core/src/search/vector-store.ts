/**
 * @module Where search keeps its vectors: a pgvector table beside the chunks, made at start wherever
 * the `vector` extension is available (always on the embedded database; on a PostgreSQL server where
 * pgvector is installed). Vectors of any width share the table; each width gets its own HNSW index
 * (cosine) on the column cast to that width, as pgvector recommends for mixed dimensions, created the
 * first time vectors of that width are written.
 */
import type { Queryable } from "@hearth/db";

/**
 * Makes the vector table if pgvector can be had; false where it cannot (search then answers by
 * keyword only). Safe to run on every node at every start.
 */
export async function prepareVectorStore(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ available: boolean }>(
    "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') AS available",
  );
  if (rows[0]?.available !== true) return false;
  await ignoringRaces(() => db.exec("CREATE EXTENSION IF NOT EXISTS vector"));
  await ignoringRaces(() =>
    db.exec(`
CREATE TABLE IF NOT EXISTS search_vectors (
  message_id uuid NOT NULL,
  chunk integer NOT NULL,
  user_id uuid NOT NULL,
  model text NOT NULL,
  dims integer NOT NULL,
  embedding vector NOT NULL,
  PRIMARY KEY (message_id, chunk),
  FOREIGN KEY (message_id, chunk) REFERENCES search_chunks (message_id, chunk) ON DELETE CASCADE
)`),
  );
  return true;
}

/** pgvector's HNSW indexes vectors up to this wide; wider ones are searched by a full scan. */
const MAX_INDEXED_DIMS = 2000;

/** The HNSW index for vectors `dims` wide, made if it is missing. */
export async function ensureVectorIndex(db: Queryable, dims: number): Promise<void> {
  if (!Number.isInteger(dims) || dims < 1 || dims > MAX_INDEXED_DIMS) return;
  await ignoringRaces(() =>
    db.exec(
      `CREATE INDEX IF NOT EXISTS search_vectors_hnsw_${dims} ON search_vectors
       USING hnsw ((embedding::vector(${dims})) vector_cosine_ops) WHERE dims = ${dims}`,
    ),
  );
}

/** Two nodes making the same thing at once: one wins, the other's "already exists" is no failure. */
async function ignoringRaces(make: () => Promise<void>): Promise<void> {
  try {
    await make();
  } catch (error) {
    const code = (error as { code?: string }).code;
    // unique_violation (on pg_type or pg_class), duplicate_object, duplicate_table
    if (code !== "23505" && code !== "42710" && code !== "42P07") throw error;
  }
}
