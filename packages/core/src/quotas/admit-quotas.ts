/**
 * @module Lets a model call in under the caller's rate-limit profile: a request from its per-minute
 * and per-day rates (GCRA), and room left in its token budgets (sliding windows over the usage
 * ledger, which the call's own tokens join when it ends). Says where the caller stands in the
 * `RateLimit-Policy` and `RateLimit` headers of the IETF draft (draft-ietf-httpapi-ratelimit-headers).
 */
import type { Queryable } from "@hearth/db";
import type { Context } from "hono";
import { currentPrincipal } from "../accounts/authenticate.ts";
import type { AppEnv } from "../http/app-env.ts";
import { raise } from "../problems.ts";
import type { RateState } from "./gcra.ts";
import { quotasProblems } from "./problems.ts";
import { type AppliedProfile, appliedProfile, type Caller } from "./profiles.ts";
import type { RateStore } from "./rate-store.ts";

const MINUTE = 60;
const DAY = 86_400;

/** One of a profile's limits as the headers name it, and where the caller stands. */
export interface QuotaState {
  name: "requests-per-minute" | "requests-per-day" | "tokens-per-minute" | "tokens-per-day";
  limit: number;
  windowSeconds: number;
  unit: "requests" | "tokens";
  remaining: number;
  resetSeconds: number;
}

interface TokenUse {
  minute: number;
  day: number;
  /** When the oldest call counted in each window ended (Unix ms), and the newest. */
  oldestMinute: number | null;
  oldestDay: number | null;
  newestMinute: number | null;
  newestDay: number | null;
}

async function tokensUsed(db: Queryable, profile: AppliedProfile, now: Date): Promise<TokenUse> {
  const { rows } = await db.query<{
    minute: string | number | null;
    day: string | number | null;
    oldest_minute: Date | null;
    oldest_day: Date | null;
    newest_minute: Date | null;
    newest_day: Date | null;
  }>(
    `SELECT sum(prompt_tokens + completion_tokens) FILTER (WHERE created_at > $3) AS minute,
       sum(prompt_tokens + completion_tokens) AS day,
       min(created_at) FILTER (WHERE created_at > $3) AS oldest_minute,
       min(created_at) AS oldest_day, max(created_at) FILTER (WHERE created_at > $3) AS newest_minute,
       max(created_at) AS newest_day
     FROM model_usage WHERE ${profile.ledger.column} = $1 AND created_at > $2`,
    [profile.ledger.id, new Date(now.getTime() - DAY * 1000), new Date(now.getTime() - MINUTE * 1000)],
  );
  const row = rows[0];
  return {
    minute: Number(row?.minute ?? 0),
    day: Number(row?.day ?? 0),
    oldestMinute: row?.oldest_minute?.getTime() ?? null,
    oldestDay: row?.oldest_day?.getTime() ?? null,
    newestMinute: row?.newest_minute?.getTime() ?? null,
    newestDay: row?.newest_day?.getTime() ?? null,
  };
}

const secondsUntil = (at: number | null, now: Date) =>
  at === null || at <= now.getTime() ? 0 : Math.ceil((at - now.getTime()) / 1000);

/**
 * Admits one model call under the caller's profile, or raises `quota-exceeded` (429 with
 * Retry-After) naming the limit reached; nothing is taken from a refused call. `setHeader` gets the
 * RateLimit headers either way. Without a profile, nothing is limited here (the user's own limits
 * still apply) and no header is set.
 */
export async function admitQuotas(
  db: Queryable,
  rates: RateStore,
  caller: Caller,
  now: Date,
  setHeader: (name: string, value: string) => void,
): Promise<void> {
  const profile = await appliedProfile(db, caller);
  if (profile === undefined) return;
  const { states, refusal } = await evaluate(db, rates, profile, now, true);
  setHeader(
    "RateLimit-Policy",
    states
      .map(
        (state) =>
          `"${state.name}";q=${state.limit};w=${state.windowSeconds}${state.unit === "tokens" ? ';qu="tokens"' : ""}`,
      )
      .join(", "),
  );
  setHeader(
    "RateLimit",
    states.map((state) => `"${state.name}";r=${state.remaining};t=${state.resetSeconds}`).join(", "),
  );
  if (refusal !== undefined)
    raise(quotasProblems.exceeded(profile.id, refusal.name, refusal.limit, refusal.retryAfterSeconds));
}

/** The caller's profile and where they stand in each of its limits, taking nothing; undefined without one. */
export async function quotaStatus(
  db: Queryable,
  rates: RateStore,
  caller: Caller,
  now: Date,
): Promise<{ profile: string; quotas: QuotaState[] } | undefined> {
  const profile = await appliedProfile(db, caller);
  if (profile === undefined) return undefined;
  return { profile: profile.id, quotas: (await evaluate(db, rates, profile, now, false)).states };
}

/** Each limit's state, taking a request from the rates when `take` and nothing was refused before them. */
async function evaluate(db: Queryable, rates: RateStore, profile: AppliedProfile, now: Date, take: boolean) {
  const { limits } = profile;
  const states: QuotaState[] = [];
  let refusal: { name: QuotaState["name"]; limit: number; retryAfterSeconds: number } | undefined;

  const use =
    limits.tokensPerMinute !== null || limits.tokensPerDay !== null ? await tokensUsed(db, profile, now) : undefined;
  for (const [name, limit, windowSeconds, used, oldest, newest] of [
    [
      "tokens-per-minute",
      limits.tokensPerMinute,
      MINUTE,
      use?.minute ?? 0,
      use?.oldestMinute ?? null,
      use?.newestMinute ?? null,
    ],
    ["tokens-per-day", limits.tokensPerDay, DAY, use?.day ?? 0, use?.oldestDay ?? null, use?.newestDay ?? null],
  ] as const) {
    if (limit === null) continue;
    states.push({
      name,
      limit,
      windowSeconds,
      unit: "tokens",
      remaining: Math.max(0, limit - used),
      resetSeconds: newest === null ? 0 : secondsUntil(newest + windowSeconds * 1000, now),
    });
    // A budget used up: calls wait until the oldest call in the window leaves it.
    if (used >= limit && refusal === undefined) {
      const retryAfterSeconds = Math.max(1, secondsUntil((oldest ?? now.getTime()) + windowSeconds * 1000, now));
      refusal = { name, limit, retryAfterSeconds };
    }
  }

  const requestRates = [
    ["requests-per-minute", limits.requestsPerMinute, MINUTE],
    ["requests-per-day", limits.requestsPerDay, DAY],
  ] as const;
  for (const [name, limit, windowSeconds] of requestRates) {
    if (limit === null) continue;
    const key = `profile:${profile.subject}:${name}`;
    const rate = { limit, windowSeconds };
    // Refused already: where the rates stand is told, nothing is taken.
    const state: RateState =
      take && refusal === undefined ? await rates.take(key, rate, now) : await rates.peek(key, rate, now);
    states.push({
      name,
      limit,
      windowSeconds,
      unit: "requests",
      remaining: state.remaining,
      resetSeconds: state.resetSeconds,
    });
    if (!state.allowed && refusal === undefined) {
      refusal = { name, limit, retryAfterSeconds: state.retryAfterSeconds };
      // The minute's request was taken before the day's refused it: given back.
      if (name === "requests-per-day" && limits.requestsPerMinute !== null)
        await rates.giveBack(
          `profile:${profile.subject}:requests-per-minute`,
          { limit: limits.requestsPerMinute, windowSeconds: MINUTE },
          now,
        );
    }
  }
  return { states, refusal };
}

/** The caller of a request: its user, their role, and the API key it came with. */
export function callerOf(c: Context<AppEnv>): Caller {
  const principal = currentPrincipal(c);
  return {
    userId: principal.user.id,
    role: principal.user.role,
    ...(principal.via === "api-key" ? { apiKeyId: principal.apiKeyId } : {}),
  };
}
