/**
 * @module Autovacuum for the embedded database. PGlite runs PostgreSQL as one standalone backend:
 * no autovacuum launcher ever starts and table statistics are only written when asked for, so left
 * alone a table is never vacuumed nor analyzed. Dead rows of every streamed reply, pruned event and
 * expired session stay, and the planner plans every query without statistics (measured on 50,000
 * indexed messages: keyword search p95 1.1 s, 8 ms after one pass; see bench/search.ts). This does
 * autovacuum's work on autovacuum's own thresholds, one table at a time, when the server asks (every
 * minute).
 */
import type { Database } from "./database.ts";

/** PostgreSQL's autovacuum defaults (base threshold + scale factor × rows), which PGlite's server would use. */
const VACUUM_BASE = 50;
const VACUUM_SCALE = 0.2;
const INSERT_VACUUM_BASE = 1000;
const INSERT_VACUUM_SCALE = 0.2;
const ANALYZE_BASE = 50;
const ANALYZE_SCALE = 0.1;

export interface TableMaintenance {
  table: string;
  /** "vacuum" also analyzes. */
  action: "vacuum" | "analyze";
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
 * on a PostgreSQL server, whose own autovacuum does this.
 */
export async function maintainPglite(db: Database): Promise<TableMaintenance[]> {
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
  const done: TableMaintenance[] = [];
  for (const row of rows) {
    const rowsNow = Number(row.reltuples);
    const deadRows = Number(row.n_dead_tup);
    const needsVacuum =
      deadRows > VACUUM_BASE + VACUUM_SCALE * rowsNow ||
      Number(row.n_ins_since_vacuum) > INSERT_VACUUM_BASE + INSERT_VACUUM_SCALE * rowsNow;
    // Counts written before a crash are gone; a table that has rows and was never analyzed is analyzed.
    const needsAnalyze = row.never_analyzed || Number(row.n_mod_since_analyze) > ANALYZE_BASE + ANALYZE_SCALE * rowsNow;
    if (!needsVacuum && !needsAnalyze) continue;
    const started = performance.now();
    const table = `public.${quoteIdentifier(row.relname)}`;
    await db.query(needsVacuum ? `VACUUM (ANALYZE) ${table}` : `ANALYZE ${table}`);
    done.push({
      table: row.relname,
      action: needsVacuum ? "vacuum" : "analyze",
      deadRows,
      ms: Math.round(performance.now() - started),
    });
  }
  return done;
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
