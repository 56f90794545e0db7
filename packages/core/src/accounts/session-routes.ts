import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../http/create-router.ts";
import { asUser, jsonBody, jsonContent, problems } from "../http/route-helpers.ts";
import { unwrap } from "../problems.ts";
import { currentPrincipal } from "./authenticate.ts";
import { changePassword } from "./change-password.ts";
import { logIn } from "./login.ts";
import { ChangePasswordInput, LoginInput, UpdateMeInput, User } from "./schema.ts";
import { clearSessionCookie, setSessionCookie } from "./session-cookie.ts";
import { revokeSession } from "./sessions.ts";
import { csrfTokenFor } from "./tokens.ts";
import { presentUser } from "./user-rows.ts";
import { updateOwnSettings } from "./users.ts";

const SignedIn = z
  .object({
    user: User,
    csrfToken: z.string().nullable().openapi({
      description: "Send as X-CSRF-Token on cookie-authenticated mutations. Null when authenticated by API key.",
    }),
  })
  .openapi("SignedIn");

const login = createRoute({
  method: "post",
  path: "/api/auth/login",
  tags: ["accounts"],
  summary: "Sign in with email and password",
  description: "Sets the session cookie. Rate-limited per account and per client IP.",
  request: { body: jsonBody(LoginInput) },
  responses: { 200: jsonContent(SignedIn, "Signed in; the session cookie is set") },
  ...problems("invalid-credentials", "rate-limited"),
});

const me = createRoute({
  method: "get",
  path: "/api/auth/me",
  tags: ["accounts"],
  summary: "The signed-in user",
  ...asUser,
  responses: { 200: jsonContent(SignedIn, "The signed-in user") },
});

const updateMe = createRoute({
  method: "patch",
  path: "/api/auth/me",
  tags: ["accounts"],
  summary: "Change your own settings",
  description:
    "Sets your time zone (an IANA name), which tools such as current_time answer in, and the web app's theme " +
    "and language. Settings left out keep their value; give at least one.",
  ...asUser,
  request: { body: jsonBody(UpdateMeInput) },
  responses: { 200: jsonContent(SignedIn, "The signed-in user, changed") },
});

const password = createRoute({
  method: "post",
  path: "/api/auth/password",
  tags: ["accounts"],
  summary: "Change your password",
  description:
    "Needs your current password. Ends your other sessions (the one asking stays signed in); API keys keep " +
    "working. Attempts are rate-limited as sign-in is.",
  ...asUser,
  request: { body: jsonBody(ChangePasswordInput) },
  responses: { 204: { description: "Changed" } },
  ...problems("wrong-password", "rate-limited"),
});

const logout = createRoute({
  method: "post",
  path: "/api/auth/logout",
  tags: ["accounts"],
  summary: "Sign out: revokes the session",
  ...asUser,
  responses: { 204: { description: "Signed out" } },
});

export const sessionRoutes = createRouter()
  .openapi(login, async (c) => {
    const { db, clock, accounts, principal } = c.var;
    const client = { ip: c.var.clientIp, userAgent: c.req.header("User-Agent") };
    const { user, session } = unwrap(await logIn(db, c.req.valid("json"), client, accounts, clock.now()));
    // A new token at every login: a session fixed by someone else before login is never elevated.
    if (principal?.via === "session") {
      await revokeSession(db, principal.sessionToken);
      c.var.credentials?.invalidate();
      c.var.revocations.announce({ via: "session", sessionId: principal.sessionId });
    }
    setSessionCookie(c, session.token, session.expiresAt);
    c.var.logger.info({ userId: user.id }, "signed in");
    return c.json({ user, csrfToken: csrfTokenFor(session.token) }, 200);
  })
  .openapi(me, async (c) => {
    const principal = currentPrincipal(c);
    const csrfToken = principal.via === "session" ? principal.csrfToken : null;
    return c.json({ user: presentUser(principal.user), csrfToken }, 200);
  })
  .openapi(updateMe, async (c) => {
    const principal = currentPrincipal(c);
    const user = await updateOwnSettings(c.var.db, principal.user.id, c.req.valid("json"), c.var.clock.now());
    // Every node's requests read the user afresh from now on.
    c.var.credentials?.invalidate();
    const csrfToken = principal.via === "session" ? principal.csrfToken : null;
    return c.json({ user, csrfToken }, 200);
  })
  .openapi(password, async (c) => {
    const principal = currentPrincipal(c);
    const { db, clock, accounts, clientIp } = c.var;
    const { endedSessionIds } = unwrap(
      await changePassword(db, principal, c.req.valid("json"), { ip: clientIp }, accounts.rateLimit, clock.now()),
    );
    c.var.credentials?.invalidate();
    for (const sessionId of endedSessionIds) c.var.revocations.announce({ via: "session", sessionId });
    c.var.logger.info({ userId: principal.user.id, endedSessions: endedSessionIds.length }, "password changed");
    return c.body(null, 204);
  })
  .openapi(logout, async (c) => {
    const principal = currentPrincipal(c);
    if (principal.via === "session") {
      await revokeSession(c.var.db, principal.sessionToken);
      c.var.credentials?.invalidate();
      c.var.revocations.announce({ via: "session", sessionId: principal.sessionId });
    }
    clearSessionCookie(c);
    return c.body(null, 204);
  });
