import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import type { Database, Queryable, QueryResult } from "./database.ts";
import { hnswIndexes } from "./hnsw-indexes.ts";

const INT8_OID = 20;

/**
 * PGlite writes these as the whole postgresql.conf at every start (replacing initdb's), so the
 * settings initdb would have written that we rely on are restated. shared_buffers (set apart, see
 * `sharedBuffersMb`) starts from 32 MB instead of PostgreSQL's 128 MB: it lives in the WebAssembly
 * heap, so it counts fully in the process's resident memory (measured: idle RSS 490 → ≈330 MB), and
 * the OS page cache still holds the data files.
 */
const POSTGRESQL_CONF = [
  "timezone = 'UTC'",
  "log_timezone = 'UTC'",
  "datestyle = 'iso, mdy'",
  "lc_messages = 'C'",
  "lc_monetary = 'C'",
  "lc_numeric = 'C'",
  "lc_time = 'C'",
  "default_text_search_config = 'pg_catalog.english'",
];

/**
 * Opens the embedded PGlite engine with pgvector. `dataDir` is a folder, or undefined for an
 * in-memory database (tests). PGlite takes no lock on its folder: callers must hold a
 * data-dir lock first (see `lockDataDir`).
 */
export async function openPglite(dataDir: string | undefined): Promise<Database> {
  let pglite = await startPglite(dataDir, MIN_SHARED_BUFFERS_MB);
  if (dataDir !== undefined) {
    const indexes = await hnswIndexes(pglite);
    const wanted = sharedBuffersMb(indexes.reduce((sum, index) => sum + index.bytes, 0));
    // The setting only takes at start: the engine starts again, before anyone has used it.
    if (wanted > MIN_SHARED_BUFFERS_MB) {
      await pglite.close();
      pglite = await startPglite(dataDir, wanted);
    }
  }
  await pglite.exec("CREATE EXTENSION IF NOT EXISTS vector");

  const wrap = (target: Pick<PGlite, "query" | "exec">): Queryable => ({
    async exec(sql: string) {
      await target.exec(sql);
    },
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
      const result = await target.query<Row>(sql, params as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
  });

  return {
    kind: "pglite",
    ...wrap(pglite),
    transaction: (work) => pglite.transaction((tx) => work(wrap(tx))),
    close: () => pglite.close(),
  };
}

const MIN_SHARED_BUFFERS_MB = 32;
const MAX_SHARED_BUFFERS_MB = 256;

/**
 * Shared buffers for a database whose HNSW indexes take `indexBytes`: 32 MB, or room for the indexes
 * and a quarter more (in steps of 16 MB), up to 256 MB. An HNSW insert or search walks the graph's
 * pages at random; each page missing from the buffers is a read through PGlite's file system.
 * Measured on 50,000 vectors (an index of 98 MB), adding a vector cost 20 ms with 32 MB of buffers
 * and 8.5–9 ms with 128 MB; 256 MB did no better. The memory is taken only by those whose history
 * is that large, and only once the index is that large (the size is read at each start).
 */
export function sharedBuffersMb(indexBytes: number): number {
  const wanted = Math.ceil((indexBytes * 1.25) / (16 * 2 ** 20)) * 16;
  return Math.min(MAX_SHARED_BUFFERS_MB, Math.max(MIN_SHARED_BUFFERS_MB, wanted));
}

function startPglite(dataDir: string | undefined, sharedBuffers: number): Promise<PGlite> {
  return PGlite.create({
    ...(dataDir === undefined ? {} : { dataDir }),
    extensions: { vector },
    postgresqlconf: [`shared_buffers = ${sharedBuffers}MB`, ...POSTGRESQL_CONF],
    // node-postgres returns int8 as a string; both engines return numbers so callers see one shape.
    parsers: { [INT8_OID]: (value: string) => Number(value) },
  });
}
