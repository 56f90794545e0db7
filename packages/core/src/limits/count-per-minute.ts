import { fail, ok, type Result } from "../problems.ts";
import type { RateStore } from "../quotas/rate-store.ts";
import { type LimitProblem, limitProblems } from "./problems.ts";
import type { UserLimits } from "./user-limits.ts";

/**
 * Counts one creation against the user's per-minute limit with the generic cell rate algorithm in the
 * database or Redis (see quotas/rate-store.ts), so every node shares it: a burst of up to the limit, then an even
 * pace, never twice the limit across a window's edge. Past it, the problem says when one more fits.
 */
export async function countPerMinute(
  rates: RateStore,
  userId: string,
  limit: "conversationsPerMinute" | "messagesPerMinute",
  /** The user's limits, overrides applied (`limitsFor`). */
  limits: UserLimits,
  now: Date,
): Promise<Result<void, LimitProblem>> {
  const value = limits[limit];
  const outcome = await rates.take(`user:${userId}:${limit}`, { limit: value, windowSeconds: 60 }, now);
  if (outcome.allowed) return ok(undefined);
  const wait = `Try again in ${outcome.retryAfterSeconds} seconds, or ask an admin to raise the limit.`;
  return fail(limitProblems.limitExceeded(limit, value, wait, outcome.retryAfterSeconds));
}
