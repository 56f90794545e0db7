import type { Queryable } from "@hearth/db";
import type { LimitOverridesInput } from "./schema.ts";
import { LIMIT_COLUMNS, LIMIT_NAMES } from "./user-limits.ts";

const FOREIGN_KEY_VIOLATION = "23503";

/**
 * Sets (a number) or clears (null) an admin's overrides of one user's limits; limits absent from
 * `change` keep their override. Returns false when there is no such user.
 */
export async function setOverrides(
  db: Queryable,
  userId: string,
  change: LimitOverridesInput,
  now: Date,
): Promise<boolean> {
  const named = LIMIT_NAMES.filter((name) => change[name] !== undefined);
  // Column names come from LIMIT_COLUMNS, never from the request.
  const columns = named.map((name) => LIMIT_COLUMNS[name]);
  const values = named.map((name) => change[name] ?? null);
  const placeholders = values.map((_, index) => `$${index + 3}`);
  try {
    await db.query(
      `INSERT INTO user_limit_overrides AS o (user_id, updated_at${columns.map((column) => `, ${column}`).join("")})
       VALUES ($1, $2${placeholders.map((placeholder) => `, ${placeholder}`).join("")})
       ON CONFLICT (user_id) DO UPDATE SET updated_at = $2${columns.map((column) => `, ${column} = EXCLUDED.${column}`).join("")}`,
      [userId, now, ...values],
    );
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === FOREIGN_KEY_VIOLATION) return false;
    throw error;
  }
}
