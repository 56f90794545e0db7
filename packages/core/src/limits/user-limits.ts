/** @module The caps one user works under: the configured defaults with an admin's overrides applied. */
import type { Queryable } from "@hearth/db";

export interface UserLimits {
  eventStreams: number;
  apiKeys: number;
  conversationsPerMinute: number;
  messagesPerMinute: number;
  storageBytes: number;
}

export type LimitName = keyof UserLimits;

/** An admin's overrides for one user; an absent limit is the configured default. */
export type LimitOverrides = Partial<UserLimits>;

/** Each limit with its column in user_limit_overrides. */
export const LIMIT_COLUMNS: Record<LimitName, string> = {
  eventStreams: "event_streams",
  apiKeys: "api_keys",
  conversationsPerMinute: "conversations_per_minute",
  messagesPerMinute: "messages_per_minute",
  storageBytes: "storage_bytes",
};

export const LIMIT_NAMES = Object.keys(LIMIT_COLUMNS) as LimitName[];

/** The admin's overrides for this user: only the limits that are set. */
export async function overridesFor(db: Queryable, userId: string): Promise<LimitOverrides> {
  const { rows } = await db.query<Record<string, number | string | null>>(
    `SELECT ${LIMIT_NAMES.map((name) => LIMIT_COLUMNS[name]).join(", ")} FROM user_limit_overrides WHERE user_id = $1`,
    [userId],
  );
  const row = rows[0];
  const overrides: LimitOverrides = {};
  if (row === undefined) return overrides;
  for (const name of LIMIT_NAMES) {
    const value = row[LIMIT_COLUMNS[name]];
    if (value !== null && value !== undefined) overrides[name] = Number(value);
  }
  return overrides;
}

/** The user's limits: the configured defaults, with the admin's overrides for this user applied. */
export async function limitsFor(db: Queryable, userId: string, defaults: UserLimits): Promise<UserLimits> {
  return { ...defaults, ...(await overridesFor(db, userId)) };
}
