/** @module Lets a /v1 model call in under the caller's limits, and counts it while it runs. */
import type { Context } from "hono";
import { currentPrincipal } from "../accounts/authenticate.ts";
import type { AppEnv } from "../http/app-env.ts";
import { countPerMinute } from "../limits/count-per-minute.ts";
import { limitsFor, type UserLimits } from "../limits/user-limits.ts";
import { unwrap } from "../problems.ts";
import { admitQuotas, callerOf } from "../quotas/admit-quotas.ts";
import { admitCompletion } from "./completion-leases.ts";
import type { ModelCalls } from "./model-calls.ts";

/** A call let in; `release` once the model has stopped (more than once is harmless; never rejects). */
export interface Admission {
  userId: string;
  /** The caller's limits, overrides applied. */
  limits: UserLimits;
  release(): Promise<void>;
}

/** The caller's limits, overrides applied: read once per request. */
export async function callerLimits(c: Context<AppEnv>): Promise<{ userId: string; limits: UserLimits }> {
  const { user } = currentPrincipal(c);
  return { userId: user.id, limits: await limitsFor(c.var.db, user.id, c.var.limits) };
}

/**
 * Counts the call against the caller's messages per minute and lets it in unless they have
 * `chat.maxRepliesInProgress` calls running on any node (raising the problem otherwise); counts it
 * in `calls` until released.
 */
export async function admitModelCall(
  c: Context<AppEnv>,
  calls: ModelCalls,
  caller: { userId: string; limits: UserLimits },
): Promise<Admission> {
  const { db, clock, logger, chat, rates } = c.var;
  const { userId, limits } = caller;
  unwrap(await countPerMinute(rates, userId, "messagesPerMinute", limits, clock.now()));
  await admitQuotas(db, rates, callerOf(c), clock.now(), (name, value) => c.header(name, value));
  const lease = unwrap(await admitCompletion({ db, clock, logger }, userId, chat.maxRepliesInProgress));
  const counted = calls.begin();
  return {
    userId,
    limits,
    release() {
      counted.end();
      return lease.release();
    },
  };
}
