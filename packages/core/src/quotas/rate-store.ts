/**
 * @module Where GCRA state lives: in the database (every node shares it; the default), or in Redis
 * when it is configured (one round trip in memory instead of a write to disk per request). Redis
 * that cannot answer does not stop requests: its store falls back to the database until it answers
 * again, so limits hold either way (a key's use in the one is not seen by the other meanwhile).
 */
import type { Database, RedisRates } from "@hearth/db";
import { giveBackRate, peekRate, type Rate, type RateState, stateOf, takeRate } from "./gcra.ts";

export interface RateStore {
  /** Takes `cost` units (1 by default) from `key` if it has them all now; refused, nothing is taken. */
  take(key: string, rate: Rate, now: Date, cost?: number): Promise<RateState>;
  /** Where `key` stands, taking nothing. */
  peek(key: string, rate: Rate, now: Date): Promise<RateState>;
  /** Gives back `cost` units taken before. */
  giveBack(key: string, rate: Rate, now: Date, cost?: number): Promise<void>;
}

export function databaseRates(db: Database): RateStore {
  return {
    take: (key, rate, now, cost) => takeRate(db, key, rate, now, cost),
    peek: (key, rate, now) => peekRate(db, key, rate, now),
    giveBack: (key, rate, _now, cost) => giveBackRate(db, key, rate, cost),
  };
}

/**
 * GCRA in Redis, falling back to `fallback` for a call Redis fails (down, or slower than its command
 * timeout); `onFallback` hears of it.
 */
export function redisRates(redis: RedisRates, fallback: RateStore, onFallback: (error: unknown) => void): RateStore {
  const run = async (key: string, rate: Rate, now: Date, cost: number, mode: "take" | "give" | "peek") => {
    const step = (cost * rate.windowSeconds * 1000) / rate.limit;
    return redis.gcra(key, now.getTime(), step, rate.windowSeconds * 1000, mode);
  };
  const tatOf = (tatMs: number) => (tatMs > 0 ? new Date(tatMs) : undefined);
  return {
    async take(key, rate, now, cost = 1) {
      try {
        const { taken, tatMs } = await run(key, rate, now, cost, "take");
        return stateOf(tatOf(tatMs), rate, now, taken, taken ? 0 : cost);
      } catch (error) {
        onFallback(error);
        return fallback.take(key, rate, now, cost);
      }
    },
    async peek(key, rate, now) {
      try {
        const { tatMs } = await run(key, rate, now, 0, "peek");
        return stateOf(tatOf(tatMs), rate, now, true, 0);
      } catch (error) {
        onFallback(error);
        return fallback.peek(key, rate, now);
      }
    },
    async giveBack(key, rate, now, cost = 1) {
      try {
        await run(key, rate, now, cost, "give");
      } catch (error) {
        onFallback(error);
        await fallback.giveBack(key, rate, now, cost);
      }
    },
  };
}
