import type { Database } from "@hearth/db";
import type { CommonProblem } from "../problems.ts";
import { fail, ok, type Result } from "../problems.ts";
import { hitRateLimit, refundRateLimit } from "../rate-limits/service.ts";
import { addressGroup } from "./address-group.ts";
import type { LoginPolicy } from "./login.ts";
import { hashPassword, verifyPassword } from "./passwords.ts";
import type { Principal } from "./principal.ts";
import { type AccountsProblem, accountsProblems } from "./problems.ts";
import type { ChangePasswordInput } from "./schema.ts";

/**
 * Changes the signed-in user's password, given the current one. Every session of the user but the
 * one asking ends (all of them when asked with an API key); API keys keep working, as they are
 * revoked one by one. Guesses of the current password are counted as sign-in attempts are, per user
 * and per client address, so a stolen session cannot be used to try passwords at speed.
 *
 * Answers the ids of the sessions it ended, for the caller to announce.
 */
export async function changePassword(
  db: Database,
  principal: Principal,
  input: ChangePasswordInput,
  client: { ip: string | undefined },
  policy: LoginPolicy["rateLimit"],
  now: Date,
): Promise<Result<{ endedSessionIds: string[] }, AccountsProblem | CommonProblem>> {
  const userId = principal.user.id;
  const userKey = `password:user:${userId}`;
  const ipKey = `login:ip:${addressGroup(client.ip ?? "unknown")}`;
  const outcomes = await Promise.all([
    hitRateLimit(db, userKey, { limit: policy.perAccount, windowSeconds: policy.windowSeconds }, now),
    hitRateLimit(db, ipKey, { limit: policy.perIp, windowSeconds: policy.windowSeconds }, now),
  ]);
  const retryAfterSeconds = Math.max(
    0,
    ...outcomes.map((outcome) => (outcome.allowed ? 0 : outcome.retryAfterSeconds)),
  );
  if (retryAfterSeconds > 0) {
    return fail({
      code: "rate-limited",
      detail: `Too many password attempts. Try again in ${retryAfterSeconds} seconds.`,
      retryAfterSeconds,
    });
  }

  const { rows } = await db.query<{ password_hash: string }>("SELECT password_hash FROM users WHERE id = $1", [userId]);
  const storedHash = rows[0]?.password_hash;
  if (storedHash === undefined || !(await verifyPassword(storedHash, input.currentPassword))) {
    return fail(accountsProblems.wrongPassword());
  }
  const newHash = await hashPassword(input.newPassword);
  const keptSessionId = principal.via === "session" ? principal.sessionId : null;
  const ended = await db.transaction(async (tx) => {
    // Only if the hash is still the one just checked: of two changes at once, one wins, the other is told it was wrong.
    const changed = await tx.query(
      "UPDATE users SET password_hash = $2, updated_at = $4 WHERE id = $1 AND password_hash = $3 RETURNING id",
      [userId, newHash, storedHash, now],
    );
    if (changed.rows.length === 0) return undefined;
    const deleted = await tx.query<{ token_hash: string }>(
      "DELETE FROM sessions WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2 RETURNING token_hash",
      [userId, keptSessionId],
    );
    return deleted.rows.map((row) => row.token_hash);
  });
  if (ended === undefined) return fail(accountsProblems.wrongPassword());
  await Promise.all([userKey, ipKey].map((key) => refundRateLimit(db, key)));
  return ok({ endedSessionIds: ended });
}
