import type { Database } from "@hearth/db";
import type { CommonProblem } from "../problems.ts";
import { fail, ok, type Result } from "../problems.ts";
import { hitRateLimit, type RateLimit, refundRateLimit } from "../rate-limits/service.ts";
import { verifyPassword } from "./passwords.ts";
import { type AccountsProblem, accountsProblems } from "./problems.ts";
import type { User } from "./schema.ts";
import { createSession, type IssuedSession, type SessionClient, type SessionPolicy } from "./sessions.ts";
import { presentUser } from "./user-rows.ts";
import { findUserByEmail } from "./users.ts";

export interface LoginPolicy {
  session: SessionPolicy;
  /** Attempts per account (by email) and per client IP. A successful attempt is not counted. */
  rateLimit: { perAccount: number; perIp: number; windowSeconds: number };
}

export interface LoginInput {
  email: string;
  password: string;
}

/**
 * Checks a password and opens a session. Every attempt counts against both the account and the
 * client IP before the password is checked, so a burst of parallel guesses cannot slip past the
 * limit; a successful attempt is refunded.
 */
export async function logIn(
  db: Database,
  input: LoginInput,
  client: SessionClient,
  policy: LoginPolicy,
  now: Date,
): Promise<Result<{ user: User; session: IssuedSession }, AccountsProblem | CommonProblem>> {
  const { windowSeconds } = policy.rateLimit;
  const keys = [`login:account:${input.email}`, `login:ip:${client.ip ?? "unknown"}`];
  const rules: RateLimit[] = [
    { limit: policy.rateLimit.perAccount, windowSeconds },
    { limit: policy.rateLimit.perIp, windowSeconds },
  ];
  const outcomes = await Promise.all(keys.map((key, index) => hitRateLimit(db, key, rules[index] as RateLimit, now)));
  const retryAfterSeconds = Math.max(
    0,
    ...outcomes.map((outcome) => (outcome.allowed ? 0 : outcome.retryAfterSeconds)),
  );
  if (retryAfterSeconds > 0) {
    return fail({
      code: "rate-limited",
      detail: `Too many sign-in attempts. Try again in ${retryAfterSeconds} seconds.`,
      retryAfterSeconds,
    });
  }

  const user = await findUserByEmail(db, input.email);
  if (!(await verifyPassword(user?.password_hash, input.password)) || user === undefined) {
    return fail(accountsProblems.invalidCredentials());
  }
  if (user.disabled_at !== null) return fail(accountsProblems.accountDisabled());

  await Promise.all(keys.map((key) => refundRateLimit(db, key)));
  const session = await createSession(db, user, policy.session, client, now);
  return ok({ user: presentUser(user), session });
}
