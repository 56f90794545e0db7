import { type Database, migrate } from "@hearth/db";
import { createTestDatabase } from "@hearth/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrations } from "../migrations.ts";
import { claimScheduledRun, pruneJobRuns, runScheduled } from "./scheduled-jobs.ts";

const PERIOD_MS = 60_000;

describe("scheduled jobs", () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase();
    await migrate(db, migrations);
  });
  afterAll(() => db.close());

  it("lets exactly one of many simultaneous claims win each period", async () => {
    const start = new Date("2026-12-04T10:00:00Z");
    const at = (ms: number) => new Date(start.getTime() + ms);
    const claims = (now: Date) =>
      Promise.all(Array.from({ length: 8 }, () => claimScheduledRun(db, "sweep", PERIOD_MS, now)));
    expect((await claims(start)).filter(Boolean)).toHaveLength(1);
    // Within the period nobody wins; from its end, one does again.
    expect((await claims(at(PERIOD_MS - 1))).filter(Boolean)).toHaveLength(0);
    expect((await claims(at(PERIOD_MS))).filter(Boolean)).toHaveLength(1);
    // Another job has its own schedule.
    expect(await claimScheduledRun(db, "other", PERIOD_MS, at(PERIOD_MS))).toBe(true);
  });

  it("records who ran a job and how it ended, failures included, and forgets runs after a week", async () => {
    let now = new Date("2026-12-01T00:00:00Z");
    const job = { name: "records", periodMs: PERIOD_MS, nodeId: "node-a", now: () => now };
    let runs = 0;
    expect(await runScheduled(db, job, async () => runs++)).toBe(true);
    expect(await runScheduled(db, { ...job, nodeId: "node-b" }, async () => runs++)).toBe(false);
    now = new Date(now.getTime() + PERIOD_MS);
    await expect(
      runScheduled(db, { ...job, nodeId: "node-b" }, async () => {
        throw new Error("disk full");
      }),
    ).rejects.toThrow("disk full");
    expect(runs).toBe(1);
    const { rows } = await db.query<{ node_id: string; error: string | null; finished_at: Date | null }>(
      "SELECT node_id, error, finished_at FROM job_runs WHERE name = 'records' ORDER BY id",
    );
    expect(rows).toEqual([
      { node_id: "node-a", error: null, finished_at: expect.any(Date) },
      { node_id: "node-b", error: "disk full", finished_at: expect.any(Date) },
    ]);
    expect(await pruneJobRuns(db, new Date(now.getTime() + 8 * 24 * 3600 * 1000))).toBeGreaterThanOrEqual(2);
  });
});
