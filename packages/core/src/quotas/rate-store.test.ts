/**
 * Both rate stores keep the same GCRA: in the database, and in a real redis-server (Debian's; CI
 * installs it), with the database taking over while Redis is gone.
 */
import { type Database, migrate, openRedisRates, type RedisRates } from "@hearth/db";
import { createTestDatabase, hasRedisServer, startTestRedis, type TestRedis } from "@hearth/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrations } from "../migrations.ts";
import { databaseRates, type RateStore, redisRates } from "./rate-store.ts";

const canRunRedis = hasRedisServer() || process.env.CI === "true";
const FIVE_A_MINUTE = { limit: 5, windowSeconds: 60 };
const at = (seconds: number) => new Date(Date.UTC(2026, 11, 5) + seconds * 1000);

describe("rate stores", () => {
  let db: Database;
  let redis: TestRedis | undefined;
  let client: RedisRates | undefined;
  const fallbacks: unknown[] = [];
  const stores: Record<string, () => RateStore> = {
    database: () => databaseRates(db),
  };
  if (canRunRedis) stores.redis = () => redisRates(client as RedisRates, databaseRates(db), (e) => fallbacks.push(e));

  beforeAll(async () => {
    db = await createTestDatabase();
    await migrate(db, migrations);
    if (canRunRedis) {
      redis = await startTestRedis();
      client = await openRedisRates({ url: redis.url, onError: () => {} });
    }
  });
  afterAll(async () => {
    await client?.close();
    await redis?.stop();
    await db.close();
  });

  for (const [name, storeOf] of Object.entries(stores)) {
    describe(name, () => {
      it("lets a burst of the limit through, then one unit per interval, and says when", async () => {
        const store = storeOf();
        const key = `${name}:burst`;
        const remaining = [];
        for (let call = 0; call < 5; call++) {
          const state = await store.take(key, FIVE_A_MINUTE, at(0));
          expect(state.allowed).toBe(true);
          remaining.push(state.remaining);
        }
        expect(remaining).toEqual([4, 3, 2, 1, 0]);
        const refused = await store.take(key, FIVE_A_MINUTE, at(1));
        expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 11 });
        expect(await store.peek(key, FIVE_A_MINUTE, at(1))).toMatchObject({ allowed: true, remaining: 0 });
        // 12 s is one unit back, not more: no double burst at any edge.
        expect((await store.take(key, FIVE_A_MINUTE, at(12))).allowed).toBe(true);
        expect((await store.take(key, FIVE_A_MINUTE, at(12))).allowed).toBe(false);
        expect(await store.peek(key, FIVE_A_MINUTE, at(120))).toMatchObject({ remaining: 5, resetSeconds: 0 });
      });

      it("gives back what it took, and takes a cost of several units at once or not at all", async () => {
        const store = storeOf();
        const key = `${name}:give`;
        expect((await store.take(key, FIVE_A_MINUTE, at(0), 4)).remaining).toBe(1);
        expect((await store.take(key, FIVE_A_MINUTE, at(0), 2)).allowed).toBe(false);
        expect((await store.peek(key, FIVE_A_MINUTE, at(0))).remaining).toBe(1);
        await store.giveBack(key, FIVE_A_MINUTE, at(0), 3);
        expect((await store.peek(key, FIVE_A_MINUTE, at(0))).remaining).toBe(4);
      });

      it("lets exactly the limit through when many ask at once", async () => {
        const store = storeOf();
        const rate = { limit: 10, windowSeconds: 60 };
        const states = await Promise.all(
          Array.from({ length: 40 }, () => store.take(`${name}:concurrent`, rate, at(0))),
        );
        expect(states.filter((state) => state.allowed)).toHaveLength(10);
      });
    });
  }

  it.runIf(canRunRedis)(
    "keeps limiting through the database while Redis is gone, and uses Redis again after",
    async () => {
      const store = redisRates(client as RedisRates, databaseRates(db), (error) => fallbacks.push(error));
      await redis?.kill();
      fallbacks.length = 0;
      const started = Date.now();
      const states = [];
      for (let call = 0; call < 6; call++) states.push(await store.take("gone", FIVE_A_MINUTE, at(0)));
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(states.map((state) => state.allowed)).toEqual([true, true, true, true, true, false]);
      expect(fallbacks.length).toBe(6);
      await redis?.start();
      for (let attempt = 0; attempt < 100 && !client?.isConnected(); attempt++)
        await new Promise((resolve) => setTimeout(resolve, 100));
      fallbacks.length = 0;
      expect((await store.take("back", FIVE_A_MINUTE, at(0))).allowed).toBe(true);
      expect(fallbacks).toEqual([]);
    },
  );
});
