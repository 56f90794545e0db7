import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite-pgvector";
import type { Database, Queryable, QueryResult } from "./database.ts";

const INT8_OID = 20;

/**
 * PGlite writes these as the whole postgresql.conf at every start (replacing initdb's), so the
 * settings initdb would have written that we rely on are restated. shared_buffers drops from
 * PostgreSQL's 128 MB to 32 MB: it lives in the WebAssembly heap, so it counts fully in the
 * process's resident memory (measured: idle RSS 490 → ≈330 MB), and the OS page cache still holds
 * the data files.
 */
const POSTGRESQL_CONF = [
  "shared_buffers = 32MB",
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
  const pglite = await PGlite.create({
    ...(dataDir === undefined ? {} : { dataDir }),
    extensions: { vector },
    postgresqlconf: POSTGRESQL_CONF,
    // node-postgres returns int8 as a string; both engines return numbers so callers see one shape.
    parsers: { [INT8_OID]: (value: string) => Number(value) },
  });
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
