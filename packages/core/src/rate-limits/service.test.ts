import type { Database } from "@hearth/db";
import { migrate } from "@hearth/db";
import { createTestDatabase } from "@hearth/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrations } from "../migrations.ts";
import { hitRateLimit, pruneRateLimits, refundRateLimit } from "./service.ts";

describe("hitRateLimit", () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase();
    await migrate(db, migrations);
  });
  afterAll(() => db.close());

  const rule = { limit: 3, windowSeconds: 60 };
  const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));

  it("allows the limit, refuses the next hit with the seconds left in the window, then opens a new window", async () => {
    for (let hit = 0; hit < 3; hit++) expect(await hitRateLimit(db, "a", rule, at(hit))).toEqual({ allowed: true });
    expect(await hitRateLimit(db, "a", rule, at(20))).toEqual({ allowed: false, retryAfterSeconds: 40, hits: 4 });
    expect(await hitRateLimit(db, "a", rule, at(60))).toEqual({ allowed: true });
  });

  it("counts concurrent hits exactly", async () => {
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => hitRateLimit(db, "b", rule, at(0))));
    expect(outcomes.filter((outcome) => outcome.allowed)).toHaveLength(3);
  });

  it("gives a refunded hit back, and prunes old buckets", async () => {
    for (let hit = 0; hit < 3; hit++) await hitRateLimit(db, "c", rule, at(0));
    await refundRateLimit(db, "c");
    expect(await hitRateLimit(db, "c", rule, at(1))).toEqual({ allowed: true });
    expect(await pruneRateLimits(db, at(3600))).toBeGreaterThanOrEqual(3);
    const { rows } = await db.query("SELECT key FROM rate_limit_buckets");
    expect(rows).toEqual([]);
  });
});
