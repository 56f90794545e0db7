import pg from "pg";
import type { Database, Queryable, QueryResult } from "./database.ts";

const INT8_OID = 20;

export interface PostgresOptions {
  url: string;
  maxConnections?: number;
}

/** Connects to a PostgreSQL server through a node-postgres pool. */
export async function openPostgres({ url, maxConnections = 10 }: PostgresOptions): Promise<Database> {
  const types = {
    getTypeParser: (oid: number, format?: "text" | "binary") =>
      oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format),
  };
  const pool = new pg.Pool({ connectionString: url, max: maxConnections, types });
  // An idle client that loses its connection emits here; without a listener the process would crash.
  pool.on("error", () => {});
  // Fail at startup, with the driver's own reason, rather than on the first request.
  const probe = await pool.connect();
  probe.release();

  const wrap = (target: pg.Pool | pg.PoolClient): Queryable => ({
    async exec(sql: string) {
      // Without parameters node-postgres uses the simple protocol, which accepts several statements.
      await target.query(sql);
    },
    async query<Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
      const result = await target.query(sql, params as unknown[]);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
    },
  });

  return {
    kind: "postgres",
    ...wrap(pool),
    async transaction(work) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query("BEGIN");
        const value = await work(wrap(client));
        await client.query("COMMIT");
        return value;
      } catch (error) {
        // A connection that cannot even roll back is destroyed rather than returned to the pool.
        await client.query("ROLLBACK").catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
