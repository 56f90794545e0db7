import type { Database, Queryable } from "@hearth/db";
import { fail, ok, type Result } from "../problems.ts";
import type { CredentialCache } from "./credential-cache.ts";
import { type AccountsProblem, accountsProblems } from "./problems.ts";
import { generateToken, hashToken } from "./tokens.ts";
import { type UserRow, userColumnsOf } from "./user-rows.ts";

export interface SessionPolicy {
  /** A session unused for this long ends. */
  idleSeconds: number;
  /** A session ends this long after login, however busy. */
  absoluteSeconds: number;
}

export interface IssuedSession {
  token: string;
  expiresAt: Date;
}

export interface AuthenticatedSession {
  user: UserRow;
  /** The token the client presented, or the rotated one it must switch to. */
  token: string;
  expiresAt: Date;
  /** Set when the session was rotated by this request (after a privilege change). */
  isRotated: boolean;
}

export interface SessionClient {
  ip: string | undefined;
  userAgent: string | undefined;
}

export async function createSession(
  db: Queryable,
  user: Pick<UserRow, "id" | "auth_epoch">,
  policy: SessionPolicy,
  client: SessionClient,
  now: Date,
): Promise<IssuedSession> {
  const token = generateToken();
  const expiresAt = new Date(now.getTime() + policy.absoluteSeconds * 1000);
  await db.query(
    `INSERT INTO sessions (token_hash, user_id, auth_epoch, created_at, last_seen_at, expires_at, ip, user_agent)
     VALUES ($1, $2, $3, $4, $4, $5, $6, $7)`,
    [
      hashToken(token),
      user.id,
      user.auth_epoch,
      now,
      expiresAt,
      client.ip ?? null,
      client.userAgent?.slice(0, 512) ?? null,
    ],
  );
  return { token, expiresAt };
}

interface SessionJoinRow extends UserRow {
  session_epoch: number;
  session_created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  ip: string | null;
  user_agent: string | null;
}

/**
 * Resolves a session token to its user, enforcing idle and absolute expiry. A session from before
 * the user's last privilege change is replaced by a new token (keeping its absolute expiry), so a
 * token captured before an elevation never carries the new rights.
 */
export async function authenticateSession(
  db: Database,
  token: string,
  policy: SessionPolicy,
  now: Date,
  /** What earlier requests with this token resolved to (see credential-cache.ts). */
  cache?: CredentialCache,
): Promise<Result<AuthenticatedSession, AccountsProblem>> {
  const tokenHash = hashToken(token);
  // Touching last_seen_at more often than this would make every read a write; a bounded lag is enough.
  const touchIntervalMs = Math.min(60, policy.idleSeconds / 10) * 1000;
  const cached = cache?.get(tokenHash) as CachedSession | undefined;
  // Kept only to say yes again: anything else (an end, a touch or a rotation due) asks the database.
  if (cached?.kind === "session") {
    const { row } = cached;
    const isFresh =
      now < row.expires_at &&
      now.getTime() - row.last_seen_at.getTime() < touchIntervalMs &&
      row.disabled_at === null &&
      row.session_epoch === row.auth_epoch;
    if (isFresh) return ok({ user: row, token, expiresAt: row.expires_at, isRotated: false });
  }
  const { rows } = await db.query<SessionJoinRow>(
    `SELECT ${userColumnsOf("u")},
       s.auth_epoch AS session_epoch, s.created_at AS session_created_at, s.last_seen_at, s.expires_at, s.ip, s.user_agent
     FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1`,
    [tokenHash],
  );
  const row = rows[0];
  if (row === undefined) return fail(accountsProblems.unauthenticated("Your session has ended. Sign in again."));

  const isIdle = now.getTime() - row.last_seen_at.getTime() >= policy.idleSeconds * 1000;
  if (now >= row.expires_at || isIdle || row.disabled_at !== null) {
    await db.query("DELETE FROM sessions WHERE token_hash = $1", [tokenHash]);
    return fail(accountsProblems.unauthenticated("Your session has ended. Sign in again."));
  }

  if (row.session_epoch !== row.auth_epoch) {
    const rotated = await rotateSession(db, tokenHash, row, now);
    if (rotated === undefined) return fail(accountsProblems.unauthenticated("Your session has ended. Sign in again."));
    return ok({ user: row, token: rotated, expiresAt: row.expires_at, isRotated: true });
  }

  let seen = row;
  if (now.getTime() - row.last_seen_at.getTime() >= touchIntervalMs) {
    await db.query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1", [tokenHash, now]);
    seen = { ...row, last_seen_at: now };
  }
  cache?.set(tokenHash, { kind: "session", row: seen } satisfies CachedSession);
  return ok({ user: row, token, expiresAt: row.expires_at, isRotated: false });
}

/** A session as the cache keeps it: the row the database answered, as touched. */
interface CachedSession {
  kind: "session";
  row: SessionJoinRow;
}

async function rotateSession(
  db: Database,
  oldHash: string,
  row: SessionJoinRow,
  now: Date,
): Promise<string | undefined> {
  const token = generateToken();
  return db.transaction(async (tx) => {
    // Only one of two concurrent requests on the old token gets to rotate it.
    const removed = await tx.query("DELETE FROM sessions WHERE token_hash = $1 RETURNING token_hash", [oldHash]);
    if (removed.rows.length === 0) return undefined;
    await tx.query(
      `INSERT INTO sessions (token_hash, user_id, auth_epoch, created_at, last_seen_at, expires_at, ip, user_agent)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [hashToken(token), row.id, row.auth_epoch, row.session_created_at, now, row.expires_at, row.ip, row.user_agent],
    );
    return token;
  });
}

export async function revokeSession(db: Queryable, token: string): Promise<void> {
  await db.query("DELETE FROM sessions WHERE token_hash = $1", [hashToken(token)]);
}

/** Deletes sessions past their absolute expiry. Idle ones are deleted when next presented. */
export async function pruneSessions(db: Queryable, now: Date): Promise<number> {
  const { rowCount } = await db.query("DELETE FROM sessions WHERE expires_at <= $1", [now]);
  return rowCount;
}
