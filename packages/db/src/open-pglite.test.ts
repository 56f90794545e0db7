import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openPglite } from "./open-pglite.ts";

describe("openPglite", () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it("runs with the settings Hearth relies on, pgvector loaded, and keeps data across a reopen", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hearth-pglite-"));
    dirs.push(dir);
    const first = await openPglite(dir);
    const { rows } = await first.query<Record<string, string>>(
      `SELECT current_setting('shared_buffers') AS shared_buffers, current_setting('TimeZone') AS timezone,
              current_setting('default_text_search_config') AS text_search, '[1,2]'::vector(2)::text AS vector`,
    );
    expect(rows[0]).toEqual({
      shared_buffers: "32MB",
      timezone: "UTC",
      text_search: "pg_catalog.english",
      vector: "[1,2]",
    });
    await first.exec("CREATE TABLE kept (n int8); INSERT INTO kept VALUES (9007199254740991)");
    await first.close();

    const second = await openPglite(dir);
    expect((await second.query("SELECT n FROM kept")).rows).toEqual([{ n: 9007199254740991 }]);
    await second.close();
  });
});
