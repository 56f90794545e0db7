import type { Queryable } from "@hearth/db";
import { fail, ok, type Result } from "../problems.ts";
import { hitRateLimit } from "../rate-limits/service.ts";
import { type LimitProblem, limitProblems } from "./problems.ts";
import type { UserLimits } from "./user-limits.ts";

/**
 * Counts one creation against the user's per-minute limit, in the database's fixed-window counter so
 * every node shares it; past the limit the problem says when the window ends.
 */
export async function countPerMinute(
  db: Queryable,
  userId: string,
  limit: "conversationsPerMinute" | "messagesPerMinute",
  /** The user's limits, overrides applied (`limitsFor`). */
  limits: UserLimits,
  now: Date,
): Promise<Result<void, LimitProblem>> {
  const value = limits[limit];
  const outcome = await hitRateLimit(db, `user:${userId}:${limit}`, { limit: value, windowSeconds: 60 }, now);
  if (outcome.allowed) return ok(undefined);
  const wait = `Try again in ${outcome.retryAfterSeconds} seconds, or ask an admin to raise the limit.`;
  return fail(limitProblems.limitExceeded(limit, value, wait, outcome.retryAfterSeconds));
}
