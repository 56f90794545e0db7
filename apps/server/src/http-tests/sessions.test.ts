import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ADMIN, signedInAdmin, signedInUser, startTestServer, type TestServer } from "../testing/index.ts";

const IDLE = 3600;
const ABSOLUTE = 8 * 3600;

describe("sessions", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ auth: { sessionIdleSeconds: IDLE, sessionAbsoluteSeconds: ABSOLUTE } });
  });
  beforeEach(() => server.reset());
  afterAll(() => server.close());

  it("signs in with the right password and sets an HttpOnly, SameSite=Lax session cookie", async () => {
    await signedInAdmin(server);
    const client = server.client();
    const login = await client.logIn(ADMIN.email, ADMIN.password);
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ user: { email: ADMIN.email, role: "admin" }, csrfToken: expect.any(String) });
    const cookie = login.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^hearth_session=[\w-]{43};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
    expect((await client.get("/api/auth/me")).body).toMatchObject({ user: { email: ADMIN.email } });
  });

  it("refuses a wrong password and an unknown email with the same 401", async () => {
    await signedInAdmin(server);
    const wrong = await server.client().post("/api/auth/login", { email: ADMIN.email, password: "wrong password" });
    const unknown = await server.client().post("/api/auth/login", { email: "nobody@example.com", password: "x" });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toMatchObject({ code: "invalid-credentials" });
    expect(unknown.body).toMatchObject({
      code: "invalid-credentials",
      detail: (wrong.body as { detail: string }).detail,
    });
  });

  it("ends a session left idle longer than the idle timeout", async () => {
    const client = await signedInAdmin(server);
    server.clock.advance(IDLE - 60);
    expect((await client.get("/api/auth/me")).status).toBe(200);
    // That request counted as activity: the idle window starts again from it.
    server.clock.advance(IDLE - 60);
    expect((await client.get("/api/auth/me")).status).toBe(200);
    server.clock.advance(IDLE + 1);
    const expired = await client.get("/api/auth/me");
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ code: "unauthenticated" });
  });

  it("ends a busy session at its absolute expiry", async () => {
    const client = await signedInAdmin(server);
    for (let elapsed = 0; elapsed < ABSOLUTE - IDLE / 2; elapsed += IDLE / 2) {
      server.clock.advance(IDLE / 2);
      expect((await client.get("/api/auth/me")).status).toBe(200);
    }
    server.clock.advance(IDLE / 2);
    expect((await client.get("/api/auth/me")).status).toBe(401);
  });

  it("issues a new session token at every login and revokes the one the client had", async () => {
    const client = await signedInAdmin(server);
    const before = client.cookies.get("hearth_session");
    const stale = server.client();
    stale.cookies.set("hearth_session", before as string);
    await client.logIn(ADMIN.email, ADMIN.password);
    const after = client.cookies.get("hearth_session");
    expect(after).not.toBe(before);
    expect((await client.get("/api/auth/me")).status).toBe(200);
    expect((await stale.get("/api/auth/me")).status).toBe(401);
  });

  it("rotates a user's session when an admin changes their role, and the old token stops working", async () => {
    const admin = await signedInAdmin(server);
    const { client: bob, id } = await signedInUser(server, admin, {
      username: "bob",
      email: "bob@example.com",
      password: "bob password 1",
    });
    const oldToken = bob.cookies.get("hearth_session") as string;
    const oldCsrf = bob.csrfToken;
    expect((await admin.patch(`/api/admin/users/${id}`, { role: "admin" })).status).toBe(200);

    const me = await bob.get<{ user: { role: string }; csrfToken: string }>("/api/auth/me");
    expect(me.status).toBe(200);
    expect(me.body.user.role).toBe("admin");
    expect(bob.cookies.get("hearth_session")).not.toBe(oldToken);
    expect(me.body.csrfToken).not.toBe(oldCsrf);
    expect(me.headers.get("x-csrf-token")).toBe(me.body.csrfToken);

    const replay = server.client();
    replay.cookies.set("hearth_session", oldToken);
    expect((await replay.get("/api/auth/me")).status).toBe(401);
    // The rotated session works for mutations with its new CSRF token.
    expect((await bob.post("/api/api-keys", { name: "after rotation" })).status).toBe(201);
  });

  it("revokes the session at logout", async () => {
    const client = await signedInAdmin(server);
    const token = client.cookies.get("hearth_session") as string;
    const logout = await client.post("/api/auth/logout");
    expect(logout.status).toBe(204);
    expect(logout.headers.get("set-cookie")).toMatch(/hearth_session=;.*Max-Age=0/);
    const replay = server.client();
    replay.cookies.set("hearth_session", token);
    expect((await replay.get("/api/auth/me")).status).toBe(401);
  });

  it("rejects a cookie-authenticated mutation without the CSRF token, or with another session's", async () => {
    const client = await signedInAdmin(server);
    const missing = await client.post("/api/api-keys", { name: "x" }, { csrf: false });
    expect(missing.status).toBe(403);
    expect(missing.body).toMatchObject({ code: "csrf-token-invalid" });

    const other = server.client();
    await other.logIn(ADMIN.email, ADMIN.password);
    const forged = await client.post(
      "/api/api-keys",
      { name: "x" },
      { csrf: false, headers: { "X-CSRF-Token": other.csrfToken as string } },
    );
    expect(forged.status).toBe(403);

    const logout = await client.post("/api/auth/logout", undefined, { csrf: false });
    expect(logout.status).toBe(403);
    // Reads need no token.
    expect((await client.get("/api/api-keys", { csrf: false })).status).toBe(200);
    expect((await client.post("/api/api-keys", { name: "x" })).status).toBe(201);
  });

  it("lets users set their own time zone, by session (with the CSRF token) or API key, and refuses unknown ones", async () => {
    const client = await signedInAdmin(server);
    const me = await client.get<{ user: { timeZone: string } }>("/api/auth/me");
    expect(me.body.user.timeZone).toBe("UTC");
    const changed = await client.patch<{ user: { timeZone: string } }>("/api/auth/me", { timeZone: "Asia/Kathmandu" });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.user.timeZone).toBe("Asia/Kathmandu");
    expect((await client.get<{ user: { timeZone: string } }>("/api/auth/me")).body.user.timeZone).toBe(
      "Asia/Kathmandu",
    );

    const withoutToken = await client.patch("/api/auth/me", { timeZone: "UTC" }, { csrf: false });
    expect(withoutToken.body).toMatchObject({ code: "csrf-token-invalid" });
    for (const timeZone of ["Mars/Olympus_Mons", "", "x".repeat(65), 7, "../../etc/passwd"]) {
      const refused = await client.patch("/api/auth/me", { timeZone });
      expect(refused.status, JSON.stringify(timeZone)).toBe(400);
      expect(refused.body).toMatchObject({
        code: "validation-failed",
        issues: expect.arrayContaining([expect.objectContaining({ field: "timeZone" })]),
      });
    }
    expect((await client.patch("/api/auth/me", {})).status).toBe(400);

    const key = await client.post<{ key: string }>("/api/api-keys", { name: "tz" });
    const byKey = await server.client().patch<{ user: { timeZone: string } }>(
      "/api/auth/me",
      { timeZone: "America/Lima" },
      {
        headers: { Authorization: `Bearer ${key.body.key}` },
      },
    );
    expect(byKey.status, byKey.text).toBe(200);
    expect(byKey.body.user.timeZone).toBe("America/Lima");
  });

  it("answers 401 with a problem when no credential is sent", async () => {
    await signedInAdmin(server);
    const response = await server.client().get("/api/auth/me");
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.body).toMatchObject({
      type: "urn:hearth:problem:unauthenticated",
      title: expect.any(String),
      status: 401,
    });
  });

  it("marks the cookie Secure when the request came over HTTPS through a trusted proxy", async () => {
    const proxied = await startTestServer({ server: { trustProxy: true } });
    await signedInAdmin(proxied);
    const login = await proxied
      .client()
      .post(
        "/api/auth/login",
        { email: ADMIN.email, password: ADMIN.password },
        { headers: { "X-Forwarded-Proto": "https" } },
      );
    expect(login.headers.get("set-cookie")).toMatch(/; Secure/);
    expect(login.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
    await proxied.close();
  });

  it("ignores X-Forwarded-Proto from an untrusted client", async () => {
    await signedInAdmin(server);
    const login = await server
      .client()
      .post(
        "/api/auth/login",
        { email: ADMIN.email, password: ADMIN.password },
        { headers: { "X-Forwarded-Proto": "https" } },
      );
    expect(login.headers.get("set-cookie")).not.toMatch(/; Secure/);
    expect(login.headers.get("strict-transport-security")).toBeNull();
  });
});
