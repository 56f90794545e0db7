import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** 256 bits from the OS's CSPRNG, URL-safe. */
export function generateToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * Session tokens and API keys carry 256 bits of entropy, so a fast hash is enough to store them
 * (a slow password hash would only slow every request). A leaked table yields no usable token.
 */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * The CSRF token is derived from the session token, so it needs no storage and changes whenever
 * the session rotates. A page on another origin can read neither.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHash("sha256").update(`hearth-csrf\0${sessionToken}`).digest("base64url");
}

export function isSameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
