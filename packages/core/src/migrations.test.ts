import { type Database, migrate } from "@hearth/db";
import { createTestDatabase } from "@hearth/db/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { migrations } from "./migrations.ts";

let db: Database;
beforeEach(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await db.close();
});

describe("Hearth's migrations", () => {
  it("apply in order on a fresh database and leave nothing to apply on the next start", async () => {
    const ids = migrations.map((migration) => migration.id);
    expect(ids.length).toBeGreaterThan(0);

    expect(await migrate(db, migrations)).toEqual(ids);
    expect(await migrate(db, migrations)).toEqual([]);

    const { rows } = await db.query<{ id: string }>("SELECT id FROM hearth_migrations ORDER BY id");
    expect(rows.map((row) => row.id)).toEqual(ids);
    for (const table of ["instance_setup", "users", "sessions", "api_keys", "rate_limit_buckets"]) {
      const { rows: found } = await db.query<{ name: string | null }>("SELECT to_regclass($1)::text AS name", [table]);
      expect(found[0]?.name).toBe(table);
    }
  });
});
