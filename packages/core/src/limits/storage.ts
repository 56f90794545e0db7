import type { Queryable } from "@hearth/db";
import { fail, ok, type Result } from "../problems.ts";
import { type LimitProblem, limitProblems } from "./problems.ts";

/** Bytes of message text in the user's conversations (deleted ones included), from the running count. */
export async function storedBytes(db: Queryable, userId: string): Promise<number> {
  const { rows } = await db.query<{ stored_bytes: number | string }>(
    "SELECT stored_bytes FROM user_storage WHERE user_id = $1",
    [userId],
  );
  return Number(rows[0]?.stored_bytes ?? 0);
}

/**
 * Refuses text that would take the user past their storage quota. A reply adds to the count as it is
 * written, so `addedBytes` 0 (a regeneration) is refused only once the quota is full. The caller
 * serialises a user's writes (the send locks the user's row), so two sends cannot both fit the last bytes.
 */
export async function checkStorageQuota(
  db: Queryable,
  userId: string,
  addedBytes: number,
  quota: number,
): Promise<Result<void, LimitProblem>> {
  const used = await storedBytes(db, userId);
  const fits = addedBytes === 0 ? used < quota : used + addedBytes <= quota;
  return fits ? ok(undefined) : fail(limitProblems.storageQuotaExceeded(quota, used, addedBytes));
}
