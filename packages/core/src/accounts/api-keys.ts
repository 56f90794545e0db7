import type { Database, Queryable } from "@hearth/db";
import { type LimitProblem, limitProblems } from "../limits/problems.ts";
import { fail, ok, type Result } from "../problems.ts";
import type { CredentialCache } from "./credential-cache.ts";
import { type AccountsProblem, accountsProblems } from "./problems.ts";
import type { ApiKey } from "./schema.ts";
import { generateToken, hashToken } from "./tokens.ts";
import { type UserRow, userColumnsOf } from "./user-rows.ts";

/** Recognisable in logs and secret scanners, like GitHub's `ghp_`. */
const KEY_PREFIX = "hk_";
const SHOWN_PREFIX_LENGTH = 10;
/** How stale last_used_at may get before a request writes it. */
const TOUCH_INTERVAL_MS = 60_000;

interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
}

const presentApiKey = (row: ApiKeyRow): ApiKey => ({
  id: row.id,
  name: row.name,
  prefix: row.prefix,
  createdAt: row.created_at.toISOString(),
  lastUsedAt: row.last_used_at?.toISOString() ?? null,
});

/**
 * Creates a key unless the user already holds `maxKeys`. The user's row is locked while counting, so
 * concurrent creations are counted one after another and cannot overshoot the limit.
 */
export async function createApiKey(
  db: Database,
  userId: string,
  name: string,
  now: Date,
  maxKeys: number,
): Promise<Result<ApiKey & { key: string }, LimitProblem>> {
  const key = `${KEY_PREFIX}${generateToken()}`;
  return db.transaction(async (tx) => {
    await tx.query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", [userId]);
    if ((await countApiKeys(tx, userId)) >= maxKeys) {
      const whatToDo =
        "Revoke a key you no longer use (DELETE /api/api-keys/{id}), or ask an admin to raise the limit.";
      return fail(limitProblems.limitExceeded("apiKeys", maxKeys, whatToDo));
    }
    const { rows } = await tx.query<ApiKeyRow>(
      `INSERT INTO api_keys (user_id, name, key_hash, prefix, created_at) VALUES ($1, $2, $3, $4, $5)
       RETURNING id, name, prefix, created_at, last_used_at`,
      [userId, name, hashToken(key), key.slice(0, SHOWN_PREFIX_LENGTH), now],
    );
    return ok({ ...presentApiKey(rows[0] as ApiKeyRow), key });
  });
}

/** The user's keys; a revoked key is deleted, so every one counts. */
export async function countApiKeys(db: Queryable, userId: string): Promise<number> {
  const { rows } = await db.query<{ count: number }>("SELECT count(*)::int AS count FROM api_keys WHERE user_id = $1", [
    userId,
  ]);
  return rows[0]?.count ?? 0;
}

export async function listApiKeys(db: Queryable, userId: string): Promise<ApiKey[]> {
  const { rows } = await db.query<ApiKeyRow>(
    "SELECT id, name, prefix, created_at, last_used_at FROM api_keys WHERE user_id = $1 ORDER BY created_at, id",
    [userId],
  );
  return rows.map(presentApiKey);
}

/** Revokes one of the user's keys. Another user's key id is reported as not found. */
export async function revokeApiKey(
  db: Queryable,
  userId: string,
  apiKeyId: string,
): Promise<Result<void, AccountsProblem>> {
  const { rowCount } = await db.query("DELETE FROM api_keys WHERE id = $1 AND user_id = $2", [apiKeyId, userId]);
  return rowCount === 0 ? fail(accountsProblems.apiKeyNotFound(apiKeyId)) : ok(undefined);
}

export async function authenticateApiKey(
  db: Queryable,
  key: string,
  now: Date,
  /** What earlier requests with this key resolved to (see credential-cache.ts). */
  cache?: CredentialCache,
): Promise<Result<{ user: UserRow; apiKeyId: string }, AccountsProblem>> {
  const invalid = accountsProblems.unauthenticated("The API key is not valid. It may have been revoked.");
  if (!key.startsWith(KEY_PREFIX)) return fail(invalid);
  const keyHash = hashToken(key);
  const isTouchDue = (lastUsedAt: Date | null) =>
    lastUsedAt === null || now.getTime() - lastUsedAt.getTime() >= TOUCH_INTERVAL_MS;
  const cached = cache?.get(keyHash) as CachedKey | undefined;
  if (cached?.kind === "api-key" && !isTouchDue(cached.row.last_used_at))
    return ok({ user: cached.row, apiKeyId: cached.row.api_key_id });
  const { rows } = await db.query<KeyRow>(
    `SELECT ${userColumnsOf("u")}, k.id AS api_key_id, k.last_used_at
     FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = $1`,
    [keyHash],
  );
  const row = rows[0];
  if (row === undefined || row.disabled_at !== null) return fail(invalid);
  let used = row;
  if (isTouchDue(row.last_used_at)) {
    await db.query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1", [row.api_key_id, now]);
    used = { ...row, last_used_at: now };
  }
  cache?.set(keyHash, { kind: "api-key", row: used } satisfies CachedKey);
  return ok({ user: row, apiKeyId: row.api_key_id });
}

type KeyRow = UserRow & { api_key_id: string; last_used_at: Date | null };

/** A key as the cache keeps it: the row the database answered, as touched. */
interface CachedKey {
  kind: "api-key";
  row: KeyRow;
}
