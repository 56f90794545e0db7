import { setTimeout as sleep } from "node:timers/promises";
import type { Database } from "@hearth/db";
import type { CommonProblem } from "../problems.ts";
import { fail, ok, type Result } from "../problems.ts";
import { type HitOutcome, hitRateLimit, refundRateLimit } from "../rate-limits/service.ts";
import { addressGroup } from "./address-group.ts";
import { verifyPassword } from "./passwords.ts";
import { type AccountsProblem, accountsProblems } from "./problems.ts";
import type { User } from "./schema.ts";
import { createSession, type IssuedSession, type SessionClient, type SessionPolicy } from "./sessions.ts";
import { presentUser } from "./user-rows.ts";
import { findUserByEmail } from "./users.ts";

export interface LoginPolicy {
  session: SessionPolicy;
  /**
   * Failed attempts per window: on one account from one client address (`perAccount`), and from one
   * client address on any account (`perIp`), beyond which attempts are refused; on one account from
   * all addresses together (`slowDownAfter`), beyond which attempts are answered late but still
   * answered. A successful attempt is not counted.
   */
  rateLimit: { perAccount: number; perIp: number; slowDownAfter: number; windowSeconds: number };
}

export interface LoginInput {
  email: string;
  password: string;
}

/** Each failure past the account's ceiling adds this much to the answer's delay, up to the cap. */
const SLOW_DOWN_STEP_MS = 250;
/** Short enough that a delayed request holds nothing worth exhausting (a timer and a socket). */
const SLOW_DOWN_CAP_MS = 3000;

/**
 * Checks a password and opens a session. Every attempt counts before the password is checked, so a
 * burst of parallel guesses cannot slip past the limits; a successful attempt is refunded.
 *
 * A guesser is refused per (account, address) pair and per address, never per account alone: that
 * would let anyone lock the owner out by knowing the email. Guesses spread over many addresses pass
 * the account-wide ceiling and are slowed down, so the owner still gets in, a few seconds late.
 */
export async function logIn(
  db: Database,
  input: LoginInput,
  client: SessionClient,
  policy: LoginPolicy,
  now: Date,
): Promise<Result<{ user: User; session: IssuedSession }, AccountsProblem | CommonProblem>> {
  const { perAccount, perIp, slowDownAfter, windowSeconds } = policy.rateLimit;
  const address = addressGroup(client.ip ?? "unknown");
  // The schema lowercases emails, so one account has one key whatever case a guesser types.
  const pairKey = `login:account-ip:${input.email}:${address}`;
  const ipKey = `login:ip:${address}`;
  const accountKey = `login:account:${input.email}`;
  const refusals = await Promise.all([
    hitRateLimit(db, pairKey, { limit: perAccount, windowSeconds }, now),
    hitRateLimit(db, ipKey, { limit: perIp, windowSeconds }, now),
  ]);
  const retryAfterSeconds = Math.max(0, ...refusals.map(secondsToWait));
  if (retryAfterSeconds > 0) {
    return fail({
      code: "rate-limited",
      detail: `Too many sign-in attempts. Try again in ${retryAfterSeconds} seconds.`,
      retryAfterSeconds,
    });
  }
  // Counted only for attempts that were not refused: a locked-out guesser hammering away does not
  // slow the owner down further.
  const accountHits = await hitRateLimit(db, accountKey, { limit: slowDownAfter, windowSeconds }, now);
  const excess = accountHits.allowed ? 0 : accountHits.hits - slowDownAfter;
  if (excess > 0) await sleep(Math.min(SLOW_DOWN_CAP_MS, excess * SLOW_DOWN_STEP_MS));

  const user = await findUserByEmail(db, input.email);
  // The password is checked even for a disabled account, and the answer is the same as for a wrong
  // one: a different status or delay would tell a guesser that the password was right.
  const isPasswordRight = await verifyPassword(user?.password_hash, input.password);
  if (!isPasswordRight || user === undefined || user.disabled_at !== null) {
    return fail(accountsProblems.invalidCredentials());
  }

  await Promise.all([pairKey, ipKey, accountKey].map((key) => refundRateLimit(db, key)));
  const session = await createSession(db, user, policy.session, client, now);
  return ok({ user: presentUser(user), session });
}

function secondsToWait(outcome: HitOutcome): number {
  return outcome.allowed ? 0 : outcome.retryAfterSeconds;
}
