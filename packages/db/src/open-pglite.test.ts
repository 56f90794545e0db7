import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openPglite, sharedBuffersMb } from "./open-pglite.ts";

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

  it("gives the shared buffers room for the vector indexes at the next start, within 32–256 MB", async () => {
    expect(sharedBuffersMb(0)).toBe(32);
    expect(sharedBuffersMb(25 * 2 ** 20)).toBe(32);
    expect(sharedBuffersMb(98 * 2 ** 20)).toBe(128);
    expect(sharedBuffersMb(2 * 2 ** 30)).toBe(256);

    const dir = await mkdtemp(join(tmpdir(), "hearth-pglite-"));
    dirs.push(dir);
    const first = await openPglite(dir);
    // 3,600 vectors of 2,000 dimensions: about one 8 kB page each, an index of ≈30 MB built in a second.
    await first.exec(`
      CREATE TABLE v (e vector(2000));
      INSERT INTO v SELECT b.e + array_fill(i::real, ARRAY[2000])::vector
      FROM (SELECT array_agg(random())::vector AS e FROM generate_series(1, 2000)) AS b, generate_series(1, 3600) AS i;
      CREATE INDEX ON v USING hnsw (e vector_cosine_ops) WITH (m = 2, ef_construction = 4)`);
    const size = async (db: typeof first) =>
      (await db.query<{ buffers: string }>("SELECT current_setting('shared_buffers') AS buffers")).rows[0]?.buffers;
    expect(await size(first)).toBe("32MB");
    await first.close();

    const second = await openPglite(dir);
    expect(await size(second)).toBe("48MB");
    expect((await second.query("SELECT count(*) AS n FROM v")).rows).toEqual([{ n: 3600 }]);
    await second.close();
  });
});
