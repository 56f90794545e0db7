import type { Queryable } from "@hearth/db";

export interface RateLimit {
  /** Hits allowed per window. */
  limit: number;
  windowSeconds: number;
}

/** A refused hit carries the window's count so far, for callers that slow down rather than refuse. */
export type HitOutcome = { allowed: true } | { allowed: false; retryAfterSeconds: number; hits: number };

/**
 * Counts one hit on `key` in a fixed window kept in the database, so every node behind a load
 * balancer shares the count and a restart does not reset it. The upsert is one statement: two
 * concurrent hits can never both read the same count.
 */
export async function hitRateLimit(db: Queryable, key: string, rule: RateLimit, now: Date): Promise<HitOutcome> {
  const { rows } = await db.query<{ hits: number; window_started_at: Date }>(
    `INSERT INTO rate_limit_buckets AS bucket (key, window_started_at, hits) VALUES ($1, $2, 1)
     ON CONFLICT (key) DO UPDATE SET
       hits = CASE WHEN bucket.window_started_at <= $2::timestamptz - make_interval(secs => $3::double precision)
                   THEN 1 ELSE bucket.hits + 1 END,
       window_started_at = CASE WHEN bucket.window_started_at <= $2::timestamptz - make_interval(secs => $3::double precision)
                   THEN $2::timestamptz ELSE bucket.window_started_at END
     RETURNING hits, window_started_at`,
    [key, now, rule.windowSeconds],
  );
  const bucket = rows[0] as { hits: number; window_started_at: Date };
  if (bucket.hits <= rule.limit) return { allowed: true };
  const windowEndsAt = bucket.window_started_at.getTime() + rule.windowSeconds * 1000;
  const retryAfterSeconds = Math.max(1, Math.ceil((windowEndsAt - now.getTime()) / 1000));
  return { allowed: false, retryAfterSeconds, hits: bucket.hits };
}

/** Takes back one hit, for attempts that turned out legitimate (a successful login). */
export async function refundRateLimit(db: Queryable, key: string): Promise<void> {
  await db.query("UPDATE rate_limit_buckets SET hits = GREATEST(hits - 1, 0) WHERE key = $1", [key]);
}

/** Deletes buckets whose window ended long ago. */
export async function pruneRateLimits(db: Queryable, olderThan: Date): Promise<number> {
  const { rowCount } = await db.query("DELETE FROM rate_limit_buckets WHERE window_started_at < $1", [olderThan]);
  return rowCount;
}
