import { afterEach, describe, expect, it } from "vitest";
import type { Database } from "./database.ts";
import { maintainPglite } from "./maintain-pglite.ts";
import { openPglite } from "./open-pglite.ts";

describe("maintainPglite: autovacuum's work for the embedded database, which has no autovacuum", () => {
  let db: Database;
  afterEach(() => db.close());

  const statistics = async (table: string) =>
    (
      await db.query<{ reltuples: number; dead: number; vacuumed: boolean; analyzed: boolean }>(
        `SELECT c.reltuples, s.n_dead_tup AS dead, s.last_vacuum IS NOT NULL AS vacuumed, s.last_analyze IS NOT NULL AS analyzed
         FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.relname = $1`,
        [table],
      )
    ).rows[0];

  it("vacuums a table whose dead rows passed the threshold, analyzes one that changed, and leaves the rest", async () => {
    db = await openPglite(undefined);
    await db.exec(`
      CREATE TABLE churned (id int PRIMARY KEY, note text);
      CREATE TABLE grown (id int PRIMARY KEY);
      CREATE TABLE "quiet ""one""" (id int PRIMARY KEY);
      INSERT INTO churned SELECT g, 'x' FROM generate_series(1, 10000) g;
      INSERT INTO grown SELECT g FROM generate_series(1, 500) g;`);
    // The first pass takes in what the tables are now: nothing was ever vacuumed or analyzed.
    const first = await maintainPglite(db);
    expect(first.map(({ table, action }) => ({ table, action }))).toEqual([
      { table: "churned", action: "vacuum" },
      { table: "grown", action: "analyze" },
    ]);
    expect(await statistics("churned")).toMatchObject({ reltuples: 10000, dead: 0, vacuumed: true, analyzed: true });
    expect(await maintainPglite(db)).toEqual([]);

    // A streamed reply's updates, a prune's deletes: a quarter of the rows dead is past 50 + 20 %.
    await db.exec("UPDATE churned SET note = 'y' WHERE id <= 1500; DELETE FROM churned WHERE id > 9000");
    await db.exec("INSERT INTO grown SELECT g FROM generate_series(501, 620) g");
    const second = await maintainPglite(db);
    expect(second).toEqual([
      { table: "churned", action: "vacuum", deadRows: 2500, ms: expect.any(Number) },
      { table: "grown", action: "analyze", deadRows: 0, ms: expect.any(Number) },
    ]);
    expect(await statistics("churned")).toMatchObject({ reltuples: 9000, dead: 0 });
    expect((await statistics("grown"))?.reltuples).toBe(620);

    // Under the thresholds: 100 dead of 9,000, 60 changes of 620.
    await db.exec("UPDATE churned SET note = 'z' WHERE id <= 100; DELETE FROM grown WHERE id > 560");
    expect(await maintainPglite(db)).toEqual([]);
    expect((await statistics("churned"))?.dead).toBe(100);
  });

  it("vacuums a table with an HNSW index without its graph for inserts, and builds the graph again once rows died", async () => {
    db = await openPglite(undefined);
    // Points on a circle (less than once round), each its own nearest: vector i is at angle i / 800.
    const point = (i: number) => `'[${Math.cos(i / 800).toFixed(6)},${Math.sin(i / 800).toFixed(6)},0,0]'`;
    const insert = (from: number, to: number) =>
      db.exec(`INSERT INTO v SELECT i, format('[%s,%s,0,0]', round(cos(i / 800.0)::numeric, 6), round(sin(i / 800.0)::numeric, 6))::vector
               FROM generate_series(${from}, ${to}) AS i`);
    await db.exec("CREATE TABLE v (id int PRIMARY KEY, e vector(4) NOT NULL)");
    await insert(1, 3000);
    await db.exec("CREATE INDEX v_graph ON v USING hnsw (e vector_cosine_ops)");
    // Through the index, with a wide search: points on a line are a hard case for a graph's greedy
    // search, and the default 40 candidates once stopped at a local best (seen in CI).
    const nearest = async (i: number) =>
      (
        await db.transaction(async (tx) => {
          await tx.query("SET LOCAL hnsw.ef_search = 1000");
          return tx.query<{ id: number }>(`SELECT id FROM v ORDER BY e <=> ${point(i)} LIMIT 1`);
        })
      ).rows[0]?.id;
    const actions = async () => (await maintainPglite(db)).map(({ table, action }) => ({ table, action }));
    expect(await actions()).toEqual([{ table: "v", action: "vacuum" }]);

    // Deletions under the threshold, then inserts past theirs: the heap is vacuumed, the graph left as it is.
    await db.exec("DELETE FROM v WHERE id % 15 = 0");
    await insert(3001, 5000);
    expect(await actions()).toEqual([{ table: "v", action: "vacuum" }]);
    expect(await statistics("v")).toMatchObject({ dead: 200 });
    expect(await nearest(1501)).toBe(1501);
    expect([1499, 1501]).toContain(await nearest(1500));

    // Past the threshold: the graph is built again from the live rows (where the pass may: else it
    // waits), and nothing dead is left.
    await db.exec("DELETE FROM v WHERE id % 4 = 0");
    expect((await maintainPglite(db, { mayRebuild: false })).map(({ action }) => action)).toEqual(["deferred"]);
    expect(await statistics("v")).toMatchObject({ dead: 1400 });
    expect(await actions()).toEqual([{ table: "v", action: "rebuild" }]);
    expect(await statistics("v")).toMatchObject({ dead: 0 });
    expect(await nearest(1501)).toBe(1501);
    expect(await nearest(4001)).toBe(4001);
    expect([1499, 1501]).toContain(await nearest(1500));
    expect((await db.query("SELECT count(*) AS n FROM v")).rows).toEqual([{ n: 5000 - 200 - 1200 }]);
  });
});
