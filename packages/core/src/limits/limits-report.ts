import type { Queryable } from "@hearth/db";
import { countApiKeys } from "../accounts/api-keys.ts";
import type { LimitsReport } from "./schema.ts";
import { storedBytes } from "./storage.ts";
import { overridesFor, type UserLimits } from "./user-limits.ts";

/** One user's limits, where each comes from, and how much of the countable ones they use. */
export async function limitsReport(db: Queryable, userId: string, defaults: UserLimits): Promise<LimitsReport> {
  const overrides = await overridesFor(db, userId);
  return {
    limits: { ...defaults, ...overrides },
    defaults,
    overrides,
    usage: { storedBytes: await storedBytes(db, userId), apiKeys: await countApiKeys(db, userId) },
  };
}
