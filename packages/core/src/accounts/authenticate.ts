import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { AppEnv } from "../http/app-env.ts";
import { raise, unwrap } from "../problems.ts";
import { authenticateApiKey } from "./api-keys.ts";
import type { Principal } from "./principal.ts";
import { accountsProblems } from "./problems.ts";
import { clearSessionCookie, setSessionCookie } from "./session-cookie.ts";
import { authenticateSession } from "./sessions.ts";
import { csrfTokenFor, hashToken, isSameSecret } from "./tokens.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
export const CSRF_HEADER = "X-CSRF-Token";

/**
 * Resolves who is asking, from `Authorization: Bearer <api key>` or else the session cookie, and
 * sets `principal` (null when neither is present or valid). A present but invalid API key is an
 * error: a client that means to use a key must not silently fall back to a cookie.
 */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set("principal", await resolvePrincipal(c));
  await next();
};

async function resolvePrincipal(c: Parameters<MiddlewareHandler<AppEnv>>[0]): Promise<Principal | null> {
  const { db, clock } = c.var;
  const authorization = c.req.header("Authorization");
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match === null) raise(accountsProblems.unauthenticated("The Authorization header must be 'Bearer <api key>'."));
    const { user, apiKeyId } = unwrap(await authenticateApiKey(db, match[1] as string, clock.now(), c.var.credentials));
    return { via: "api-key", user, apiKeyId };
  }

  const token = getCookie(c, c.var.accounts.cookieName);
  if (token === undefined) return null;
  const result = await authenticateSession(db, token, c.var.accounts.session, clock.now(), c.var.credentials);
  if (!result.ok) {
    clearSessionCookie(c);
    return null;
  }
  const session = result.value;
  const csrfToken = csrfTokenFor(session.token);
  if (session.isRotated) {
    setSessionCookie(c, session.token, session.expiresAt);
    c.header(CSRF_HEADER, csrfToken);
  }
  // CSRF is checked against the token the client presented: that is the one whose CSRF token it holds.
  return { via: "session", user: session.user, sessionToken: token, sessionId: hashToken(session.token), csrfToken };
}

/** Requires a signed-in user; a cookie-authenticated mutation must also carry the CSRF token. */
export const requireUser: MiddlewareHandler<AppEnv> = async (c, next) => {
  const principal = c.var.principal;
  if (principal === null) raise(accountsProblems.unauthenticated());
  if (principal.via === "session" && !SAFE_METHODS.has(c.req.method)) {
    const given = c.req.header(CSRF_HEADER);
    if (given === undefined || !isSameSecret(given, csrfTokenFor(principal.sessionToken))) {
      raise(accountsProblems.csrfTokenInvalid());
    }
  }
  await next();
};

/** Requires a signed-in admin. */
export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  await requireUser(c, async () => {
    if (c.var.principal?.user.role !== "admin") raise(accountsProblems.adminRequired());
    await next();
  });
};

/** The signed-in user, for handlers behind requireUser. */
export function currentPrincipal(c: { var: { principal: Principal | null } }): Principal {
  const principal = c.var.principal;
  if (principal === null) raise(accountsProblems.unauthenticated());
  return principal;
}
