/**
 * Test databases. Tests run on an in-memory PGlite by default, and on a real PostgreSQL server when
 * TEST_DATABASE_URL is set: each call then creates a database of its own, dropped on close, so
 * test files can run in parallel.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { Database } from "../database.ts";
import { openDatabase } from "../open-database.ts";

export function testDatabaseUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL || undefined;
}

export async function createTestDatabase(): Promise<Database> {
  const scratch = await createTestDatabaseUrl();
  if (scratch === undefined) return openDatabase({ kind: "pglite-memory" });
  const db = await openDatabase({ kind: "postgres", url: scratch.url, maxConnections: 5 });
  return {
    ...db,
    async close() {
      await db.close();
      await scratch.drop();
    },
  };
}

/**
 * A fresh database on TEST_DATABASE_URL's server, for a Hearth process of its own to use; undefined
 * when tests run on PGlite (such a process then uses its data dir).
 */
export async function createTestDatabaseUrl(): Promise<{ url: string; drop(): Promise<void> } | undefined> {
  const serverUrl = testDatabaseUrl();
  if (serverUrl === undefined) return undefined;
  const name = `hearth_test_${randomBytes(6).toString("hex")}`;
  await withAdminClient(serverUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withAdminClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

async function withAdminClient(url: string, work: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

export { freePort, waitForPort } from "./ports.ts";
export { hasRedisServer, startTestRedis, type TestRedis } from "./redis-server.ts";
