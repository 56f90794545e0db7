import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "./database.ts";
import { type Migration, MigrationError, migrate } from "./migrate.ts";
import { openDatabase } from "./open-database.ts";
import { createTestDatabase, testDatabaseUrl } from "./testing/index.ts";

const notes: Migration = { id: "0001-notes", sql: "CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL);" };
const tags: Migration = {
  id: "0002-tags",
  sql: "CREATE TABLE tags (name text PRIMARY KEY);\nINSERT INTO tags (name) VALUES ('inbox');",
};
const archive: Migration = { id: "0003-archive", sql: "ALTER TABLE notes ADD COLUMN archived_at timestamptz;" };

let db: Database;
beforeEach(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await db.close();
});

async function tableExists(name: string, on: Database = db): Promise<boolean> {
  const { rows } = await on.query<{ found: string | null }>("SELECT to_regclass($1)::text AS found", [name]);
  return rows[0]?.found != null;
}

async function ledger(on: Database = db): Promise<string[]> {
  const { rows } = await on.query<{ id: string }>("SELECT id FROM hearth_migrations ORDER BY id");
  return rows.map((row) => row.id);
}

describe("migrate", () => {
  it("applies each migration once and records it, so a second run applies nothing", async () => {
    expect(await migrate(db, [notes, tags])).toEqual(["0001-notes", "0002-tags"]);
    expect(await migrate(db, [notes, tags])).toEqual([]);

    expect(await ledger()).toEqual(["0001-notes", "0002-tags"]);
    const { rows: ledgers } = await db.query<{ count: number }>(
      "SELECT count(*)::int AS count FROM pg_tables WHERE tablename = 'hearth_migrations'",
    );
    expect(ledgers[0]?.count).toBe(1);
    const { rows: seeded } = await db.query("SELECT name FROM tags");
    expect(seeded).toEqual([{ name: "inbox" }]);
  });

  it("stores a checksum of each migration's SQL with its id", async () => {
    await migrate(db, [notes]);
    const { rows } = await db.query<{ checksum: string }>("SELECT checksum FROM hearth_migrations");
    expect(rows[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it("applies only the migrations added since the last run", async () => {
    await migrate(db, [notes]);
    expect(await migrate(db, [notes, tags, archive])).toEqual(["0002-tags", "0003-archive"]);
    await db.query("INSERT INTO notes (id, body, archived_at) VALUES (1, 'kept', now())");
  });

  it("rolls a failing migration back wholly, keeps the ones before it, and lets the error through", async () => {
    const broken: Migration = {
      id: "0002-broken",
      sql: "CREATE TABLE half_done (id int);\nINSERT INTO no_such_table VALUES (1);",
    };
    const later: Migration = { id: "0003-later", sql: "CREATE TABLE later (id int);" };

    await expect(migrate(db, [notes, broken, later])).rejects.toMatchObject({
      code: "42P01",
      message: expect.stringContaining("no_such_table"),
    });
    expect(await tableExists("notes")).toBe(true);
    expect(await tableExists("half_done")).toBe(false);
    expect(await tableExists("later")).toBe(false);
    expect(await ledger()).toEqual(["0001-notes"]);

    const fixed: Migration = { id: "0002-broken", sql: "CREATE TABLE half_done (id int);" };
    expect(await migrate(db, [notes, fixed, later])).toEqual(["0002-broken", "0003-later"]);
  });

  it("refuses to run when an applied migration's SQL was changed, and applies nothing", async () => {
    await migrate(db, [notes]);
    const edited: Migration = { ...notes, sql: `${notes.sql}\nCREATE INDEX notes_body ON notes (body);` };

    const error = await migrate(db, [edited, tags]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).message).toContain("0001-notes");
    expect(await tableExists("tags")).toBe(false);
    expect(await ledger()).toEqual(["0001-notes"]);
  });

  it("refuses a database that holds a migration this code does not know", async () => {
    await migrate(db, [notes, tags]);

    const error = await migrate(db, [notes]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).message).toContain("0002-tags");
  });

  it("refuses migrations listed out of order or twice, before touching the database", async () => {
    await expect(migrate(db, [tags, notes])).rejects.toThrow(MigrationError);
    await expect(migrate(db, [notes, notes])).rejects.toThrow(MigrationError);
    await expect(migrate(db, [tags, notes])).rejects.toThrow(/0002-tags comes before 0001-notes/);
    expect(await tableExists("hearth_migrations")).toBe(false);
    expect(await tableExists("notes")).toBe(false);
  });

  it("applies each migration exactly once when several runs start at once", async () => {
    // Plain CREATE TABLE fails if run twice, and the log row would appear twice.
    const log: Migration = { id: "0000-log", sql: "CREATE TABLE applied_log (id text NOT NULL);" };
    const list = [log, notes, tags, archive].map((migration) => ({
      ...migration,
      sql: `${migration.sql}\nINSERT INTO applied_log (id) VALUES ('${migration.id}');`,
    }));

    const url = testDatabaseUrl();
    // Two pools on one PostgreSQL database race like two Hearth nodes; PGlite has one connection.
    const others: Database[] =
      url === undefined ? [db, db] : await Promise.all([openSameDatabase(url), openSameDatabase(url)]);
    try {
      const results = await Promise.all([migrate(db, list), ...others.map((other) => migrate(other, list))]);
      expect(results.flat().sort()).toEqual(["0000-log", "0001-notes", "0002-tags", "0003-archive"]);
    } finally {
      if (url !== undefined) await Promise.all(others.map((other) => other.close()));
    }
    const { rows } = await db.query<{ id: string }>("SELECT id FROM applied_log ORDER BY id");
    expect(rows.map((row) => row.id)).toEqual(["0000-log", "0001-notes", "0002-tags", "0003-archive"]);
    expect(await ledger()).toEqual(["0000-log", "0001-notes", "0002-tags", "0003-archive"]);
  });
});

/** A second connection pool to the database `db` is on (PostgreSQL only). */
async function openSameDatabase(serverUrl: string): Promise<Database> {
  const { rows } = await db.query<{ name: string }>("SELECT current_database() AS name");
  const url = new URL(serverUrl);
  url.pathname = `/${rows[0]?.name}`;
  return openDatabase({ kind: "postgres", url: url.toString(), maxConnections: 2 });
}
