import type { Queryable } from "@hearth/db";
import { countApiKeys } from "../accounts/api-keys.ts";
import { quotaStatus } from "../quotas/admit-quotas.ts";
import type { Caller } from "../quotas/profiles.ts";
import type { RateStore } from "../quotas/rate-store.ts";
import type { LimitsReport } from "./schema.ts";
import { storedBytes } from "./storage.ts";
import { overridesFor, type UserLimits } from "./user-limits.ts";

/**
 * One user's limits, where each comes from, how much of the countable ones they use, and their
 * rate-limit profile as it applies to `caller` (the user, or one of their API keys).
 */
export async function limitsReport(
  db: Queryable,
  rates: RateStore,
  caller: Caller,
  defaults: UserLimits,
  now: Date,
): Promise<LimitsReport> {
  const { userId } = caller;
  const overrides = await overridesFor(db, userId);
  return {
    limits: { ...defaults, ...overrides },
    defaults,
    overrides,
    usage: { storedBytes: await storedBytes(db, userId), apiKeys: await countApiKeys(db, userId) },
    rateLimits: (await quotaStatus(db, rates, caller, now)) ?? null,
  };
}
