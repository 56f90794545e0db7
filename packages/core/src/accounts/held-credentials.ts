/** @module The credentials that long-lived requests (event streams) hold, and re-checking them while they stay open. */
import type { Queryable } from "@hearth/db";
import type { Principal } from "./principal.ts";
import type { SessionPolicy } from "./sessions.ts";

/** The credential a request was let in with: a session (by its token's hash) or an API key (by its id). */
export type HeldCredential = { via: "session"; sessionId: string } | { via: "api-key"; apiKeyId: string };

export function heldCredentialOf(principal: Principal): HeldCredential {
  return principal.via === "session"
    ? { via: "session", sessionId: principal.sessionId }
    : { via: "api-key", apiKeyId: principal.apiKeyId };
}

/** What a client is told when the credential it streamed with ends. */
export function whyCredentialEnded(credential: HeldCredential): string {
  return credential.via === "session"
    ? "Your session has ended (signed out, expired or your account was disabled): sign in again."
    : "The API key is no longer valid: it was revoked or its user was disabled.";
}

/**
 * The credentials among `credentials` that no longer let anyone in: the session is gone (signed out,
 * rotated, deleted with a disabled user), past its absolute expiry or idle; the key is revoked; or
 * the user is disabled. One query however many are held, so a node can re-check all its streams
 * every few seconds; it reads only the database, so it sees what any node revoked.
 */
export async function endedCredentials(
  db: Queryable,
  credentials: readonly HeldCredential[],
  policy: SessionPolicy,
  now: Date,
): Promise<HeldCredential[]> {
  const sessionIds = credentials.flatMap((credential) => (credential.via === "session" ? [credential.sessionId] : []));
  const apiKeyIds = credentials.flatMap((credential) => (credential.via === "api-key" ? [credential.apiKeyId] : []));
  if (sessionIds.length === 0 && apiKeyIds.length === 0) return [];
  const { rows } = await db.query<{ via: "session" | "api-key"; id: string }>(
    `SELECT 'session' AS via, s.token_hash AS id FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE s.token_hash = ANY($1::text[]) AND u.disabled_at IS NULL AND s.expires_at > $3 AND s.last_seen_at > $4
     UNION ALL
     SELECT 'api-key' AS via, k.id::text AS id FROM api_keys k JOIN users u ON u.id = k.user_id
     WHERE k.id = ANY($2::uuid[]) AND u.disabled_at IS NULL`,
    [sessionIds, apiKeyIds, now, new Date(now.getTime() - policy.idleSeconds * 1000)],
  );
  const valid = new Set(rows.map((row) => `${row.via}:${row.id}`));
  return credentials.filter((credential) => !valid.has(credentialKey(credential)));
}

/** One string per credential, to index them by. */
export function credentialKey(credential: HeldCredential): string {
  return credential.via === "session" ? `session:${credential.sessionId}` : `api-key:${credential.apiKeyId}`;
}
