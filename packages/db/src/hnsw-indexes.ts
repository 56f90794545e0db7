/** The HNSW (pgvector) indexes of a database, for the embedded engine's sizing and maintenance. */

export interface HnswIndex {
  table: string;
  name: string;
  bytes: number;
}

/** What reads them: a Database, or the PGlite engine itself before it is wrapped. */
interface Reader {
  query<Row>(sql: string): Promise<{ rows: Row[] }>;
}

/** The HNSW indexes of the public schema's tables, with their sizes (none before pgvector is loaded). */
export async function hnswIndexes(db: Reader): Promise<HnswIndex[]> {
  const { rows } = await db.query<HnswIndex>(
    `SELECT t.relname AS table, i.relname AS name, pg_relation_size(i.oid)::int8 AS bytes
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_am a ON a.oid = i.relam JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE a.amname = 'hnsw' AND n.nspname = 'public'`,
  );
  return rows.map((row) => ({ ...row, bytes: Number(row.bytes) }));
}
