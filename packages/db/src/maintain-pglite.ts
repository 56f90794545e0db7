/**
 * @module Autovacuum for the embedded database. PGlite runs PostgreSQL as one standalone backend:
 * no autovacuum launcher ever starts and table statistics are only written when asked for, so left
 * alone a table is never vacuumed nor analyzed. Dead rows of every streamed reply, pruned event and
 * expired session stay, and the planner plans every query without statistics (measured on 50,000
 * indexed messages: keyword search p95 1.1 s, 8 ms after one pass; see bench/search.ts). This does
 * autovacuum's work on autovacuum's own thresholds, one table at a time, when the server asks (every
 * minute).
 *
 * Except for a table with an HNSW index (the search vectors): vacuuming one repairs the graph around
 * every deleted vector, as costly as inserting its neighbours again, and the standalone backend does
 * nothing else meanwhile. Measured on 52,000 vectors: after 1,000 random deletions, 109 s; after
 * 12,000, 251 s. So such a table is vacuumed without its indexes while only inserts call for it
 * (0.9 s there; the deleted vectors wait in the graph, and searches pass over them), and once its dead
 * rows pass the threshold its HNSW indexes are built again from the live rows first, which pgvector
 * advises, and then vacuumed (after the 1,000 deletions: 60 s and 0.2 s; after 12,000: 49 s in all):
 * a stall of about 1.2 ms a live vector, once for every fifth of the vectors deleted or changed.
 */
import type { Database } from "./database.ts";
import { type HnswIndex, hnswIndexes } from "./hnsw-indexes.ts";

/** PostgreSQL's autovacuum defaults (base threshold + scale factor × rows), which PGlite's server would use. */
const VACUUM_BASE = 50;
const VACUUM_SCALE = 0.2;
const INSERT_VACUUM_BASE = 1000;
const INSERT_VACUUM_SCALE = 0.2;
const ANALYZE_BASE = 50;
const ANALYZE_SCALE = 0.1;

export interface TableMaintenance {
  table: string;
  /**
   * "vacuum" also analyzes; "rebuild" builds the table's HNSW indexes again, then vacuums and
   * analyzes; "deferred": the table waits for a pass that may rebuild, nothing was done.
   */
  action: "vacuum" | "analyze" | "rebuild" | "deferred";
  deadRows: number;
  ms: number;
}

interface TableCounts {
  relname: string;
  n_dead_tup: number;
  n_mod_since_analyze: number;
  n_ins_since_vacuum: number;
  reltuples: number;
  never_analyzed: boolean;
}

/**
 * Vacuums (and analyzes) each table of the public schema whose dead rows or inserts passed autovacuum's
 * thresholds, and analyzes those whose changes did; the table with most dead rows first. Each table is
 * one statement, so the queries of requests waiting on the embedded engine run between tables. A no-op
 * on a PostgreSQL server, whose own autovacuum does this. Without `mayRebuild` an HNSW index that
 * needs building again is left for a later pass (the server waits until no one is using it).
 */
export async function maintainPglite(
  db: Database,
  { mayRebuild = true }: { mayRebuild?: boolean } = {},
): Promise<TableMaintenance[]> {
  if (db.kind !== "pglite") return [];
  // The standalone backend keeps its counts pending until it is told to write them out at the next
  // statement's end; then the statement after sees them.
  await db.query("SELECT pg_stat_force_next_flush()");
  const { rows } = await db.query<TableCounts>(
    `SELECT s.relname, s.n_dead_tup, s.n_mod_since_analyze, s.n_ins_since_vacuum, greatest(c.reltuples, 0) AS reltuples,
       c.reltuples < 0 AND pg_relation_size(c.oid) > 0 AS never_analyzed
     FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
     WHERE s.schemaname = 'public'
     ORDER BY s.n_dead_tup DESC, s.relname`,
  );
  const graphs = await hnswIndexes(db);
  const done: TableMaintenance[] = [];
  for (const row of rows) {
    const rowsNow = Number(row.reltuples);
    const deadRows = Number(row.n_dead_tup);
    const hasDeadRows = deadRows > VACUUM_BASE + VACUUM_SCALE * rowsNow;
    const needsVacuum =
      hasDeadRows || Number(row.n_ins_since_vacuum) > INSERT_VACUUM_BASE + INSERT_VACUUM_SCALE * rowsNow;
    // Counts written before a crash are gone; a table that has rows and was never analyzed is analyzed.
    const needsAnalyze = row.never_analyzed || Number(row.n_mod_since_analyze) > ANALYZE_BASE + ANALYZE_SCALE * rowsNow;
    if (!needsVacuum && !needsAnalyze) continue;
    const started = performance.now();
    const table = `public.${quoteIdentifier(row.relname)}`;
    const indexes = graphs.filter((index) => index.table === row.relname);
    let action: TableMaintenance["action"] = needsVacuum ? "vacuum" : "analyze";
    if (!needsVacuum) await db.query(`ANALYZE ${table}`);
    else if (indexes.length === 0) await db.query(`VACUUM (ANALYZE) ${table}`);
    else if (!hasDeadRows) await db.query(`VACUUM (ANALYZE, INDEX_CLEANUP OFF) ${table}`);
    else if (!mayRebuild) action = "deferred";
    else {
      action = "rebuild";
      for (const index of indexes) await rebuild(db, index);
      await db.query(`VACUUM (ANALYZE) ${table}`);
    }
    done.push({ table: row.relname, action, deadRows, ms: Math.round(performance.now() - started) });
  }
  return done;
}

/**
 * Builds an HNSW index again from its table's live rows, with room for its graph in memory (the
 * index's size and a quarter more, 64 MB to 1 GB): with PostgreSQL's default 64 MB a larger graph
 * goes on being built on disk, five times slower (bench/search.ts).
 */
async function rebuild(db: Database, index: HnswIndex): Promise<void> {
  const memoryMb = Math.min(1024, Math.max(64, Math.ceil((index.bytes * 1.25) / 2 ** 20)));
  await db.transaction(async (tx) => {
    await tx.query(`SET LOCAL maintenance_work_mem = '${memoryMb}MB'`);
    await tx.query(`REINDEX INDEX public.${quoteIdentifier(index.name)}`);
  });
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
