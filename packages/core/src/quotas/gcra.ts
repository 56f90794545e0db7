/**
 * @module The generic cell rate algorithm (GCRA) over the database: `limit` units per `windowSeconds`,
 * a burst of up to `limit` at once, then one unit every `windowSeconds / limit`. Unlike fixed windows,
 * no edge lets twice the limit through (a burst at the end of one window and at the start of the next).
 * Each key's state is one timestamp (the theoretical arrival time), changed in one statement.
 */
import type { Queryable } from "@hearth/db";

export interface Rate {
  limit: number;
  windowSeconds: number;
}

/** Where a key stands: units left now, seconds until all are back, and (refused) seconds until one is. */
export interface RateState {
  allowed: boolean;
  remaining: number;
  resetSeconds: number;
  retryAfterSeconds: number;
}

export function stateOf(tat: Date | undefined, rate: Rate, now: Date, allowed: boolean, cost: number): RateState {
  const interval = (rate.windowSeconds * 1000) / rate.limit;
  const busyUntil = Math.max(tat?.getTime() ?? 0, now.getTime());
  const used = busyUntil - now.getTime();
  const remaining = Math.max(0, Math.min(rate.limit, Math.floor((rate.windowSeconds * 1000 - used) / interval + 1e-9)));
  const waitMs = busyUntil + cost * interval - now.getTime() - rate.windowSeconds * 1000;
  return {
    allowed,
    remaining,
    resetSeconds: Math.ceil(used / 1000),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(waitMs / 1000)),
  };
}

/** Takes `cost` units (1 by default) from `key` if it has them all now; refused, nothing is taken. */
export async function takeRate(db: Queryable, key: string, rate: Rate, now: Date, cost = 1): Promise<RateState> {
  const step = (cost * rate.windowSeconds) / rate.limit;
  const { rows } = await db.query<{ tat: Date }>(
    `INSERT INTO rate_limit_gcra AS g (key, tat)
       SELECT $1, $2::timestamptz + make_interval(secs => $3::double precision)
       WHERE $3::double precision <= $4::double precision
     ON CONFLICT (key) DO UPDATE SET tat = GREATEST(g.tat, $2::timestamptz) + make_interval(secs => $3::double precision)
       WHERE GREATEST(g.tat, $2::timestamptz) + make_interval(secs => $3::double precision)
         <= $2::timestamptz + make_interval(secs => $4::double precision)
     RETURNING tat`,
    [key, now, step, rate.windowSeconds],
  );
  if (rows[0] !== undefined) return stateOf(rows[0].tat, rate, now, true, 0);
  return stateOf(await tatOf(db, key), rate, now, false, cost);
}

/** Where `key` stands, taking nothing. */
export async function peekRate(db: Queryable, key: string, rate: Rate, now: Date): Promise<RateState> {
  return stateOf(await tatOf(db, key), rate, now, true, 0);
}

async function tatOf(db: Queryable, key: string): Promise<Date | undefined> {
  const { rows } = await db.query<{ tat: Date }>("SELECT tat FROM rate_limit_gcra WHERE key = $1", [key]);
  return rows[0]?.tat;
}

/** Gives `cost` units back to `key` (one taken for a call that another limit then refused). */
export async function giveBackRate(db: Queryable, key: string, rate: Rate, cost = 1): Promise<void> {
  await db.query("UPDATE rate_limit_gcra SET tat = tat - make_interval(secs => $2::double precision) WHERE key = $1", [
    key,
    (cost * rate.windowSeconds) / rate.limit,
  ]);
}

/** Deletes the state of keys that are whole again (their time passed long ago). */
export async function pruneRates(db: Queryable, olderThan: Date): Promise<number> {
  const { rowCount } = await db.query("DELETE FROM rate_limit_gcra WHERE tat < $1", [olderThan]);
  return rowCount;
}
