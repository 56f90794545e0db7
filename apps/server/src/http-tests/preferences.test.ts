import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createConversation,
  EventStreamClient,
  signedInAdmin,
  signedInUser,
  startTestServer,
  type TestClient,
  type TestServer,
} from "../testing/index.ts";

const BOB = { username: "bob", email: "bob@example.com", password: "bob's first password" };
const CAROL = { username: "carol", email: "carol@example.com", password: "carol's password" };
const NEW_PASSWORD = "bob's second password";
const PER_ACCOUNT = 3;

interface Me {
  user: { id: string; theme: string; language: string | null; timeZone: string };
  csrfToken: string | null;
}

describe("your own preferences and password (/api/auth/me, /api/auth/password)", () => {
  let server: TestServer;
  let admin: TestClient;
  let bob: TestClient;
  beforeAll(async () => {
    server = await startTestServer({
      auth: { loginRateLimit: { perAccount: PER_ACCOUNT, perIp: 50, slowDownAfter: 100, windowSeconds: 60 } },
    });
  });
  beforeEach(async () => {
    await server.reset();
    admin = await signedInAdmin(server);
    bob = (await signedInUser(server, admin, BOB)).client;
  });
  afterAll(() => server.close());

  const byKey = async (client: TestClient) => {
    const created = await client.post<{ key: string }>("/api/api-keys", { name: "script" });
    return { Authorization: `Bearer ${created.body.key}` };
  };

  describe("theme and language", () => {
    it("starts with the system theme and the browser's language", async () => {
      const me = await bob.get<Me>("/api/auth/me");
      expect(me.body.user).toMatchObject({ theme: "system", language: null, timeZone: "UTC" });
    });

    it("changes only the settings given, keeps them across sessions, and answers the changed user", async () => {
      const dark = await bob.patch<Me>("/api/auth/me", { theme: "dark" });
      expect(dark.status, dark.text).toBe(200);
      expect(dark.body.user).toMatchObject({ theme: "dark", language: null, timeZone: "UTC" });

      const german = await bob.patch<Me>("/api/auth/me", { language: "de", timeZone: "Europe/Berlin" });
      expect(german.body.user).toMatchObject({ theme: "dark", language: "de", timeZone: "Europe/Berlin" });

      const elsewhere = server.client();
      await elsewhere.logIn(BOB.email, BOB.password);
      expect((await elsewhere.get<Me>("/api/auth/me")).body.user).toMatchObject({ theme: "dark", language: "de" });
    });

    it("goes back to the browser's language with null, which is not the same as leaving it out", async () => {
      await bob.patch("/api/auth/me", { language: "fr" });
      expect((await bob.patch<Me>("/api/auth/me", { theme: "light" })).body.user.language).toBe("fr");
      const reset = await bob.patch<Me>("/api/auth/me", { language: null });
      expect(reset.status).toBe(200);
      expect(reset.body.user).toMatchObject({ language: null, theme: "light" });
    });

    it("lets an API key change them, as a session does", async () => {
      const headers = await byKey(bob);
      const changed = await server.client().patch<Me>("/api/auth/me", { theme: "light", language: "es" }, { headers });
      expect(changed.status, changed.text).toBe(200);
      expect(changed.body).toMatchObject({ user: { theme: "light", language: "es" }, csrfToken: null });
    });

    it("refuses unknown themes and languages, wrong types and unknown fields, naming the field", async () => {
      const refusals: [body: unknown, field: string][] = [
        [{ theme: "blue" }, "theme"],
        [{ theme: "" }, "theme"],
        [{ theme: null }, "theme"],
        [{ theme: ["dark"] }, "theme"],
        [{ theme: "DARK" }, "theme"],
        [{ language: "it" }, "language"],
        [{ language: "" }, "language"],
        [{ language: "de-DE" }, "language"],
        [{ language: 7 }, "language"],
        [{ language: "x".repeat(100_000) }, "language"],
        [{ theme: "dark", role: "admin" }, ""],
        [{ theme: "dark", password: "new password" }, ""],
      ];
      for (const [body, field] of refusals) {
        const refused = await bob.patch("/api/auth/me", body);
        expect(refused.status, JSON.stringify(body).slice(0, 80)).toBe(400);
        expect(refused.body).toMatchObject({
          code: "validation-failed",
          issues: expect.arrayContaining([expect.objectContaining({ field })]),
        });
      }
      for (const body of [{}, [], "dark", null]) {
        const refused = await bob.patch("/api/auth/me", body);
        expect(refused.status, JSON.stringify(body)).toBe(400);
        expect(refused.body).toMatchObject({ code: "validation-failed" });
      }
      const me = await bob.get<Me>("/api/auth/me");
      expect(me.body.user).toMatchObject({ theme: "system", language: null });
      expect(me.body.user).not.toHaveProperty("role", "admin");
    });

    it("refuses a body over the server's limit, and one that is not JSON", async () => {
      const huge = await bob.request("PATCH", "/api/auth/me", {
        body: JSON.stringify({ theme: "dark", padding: "x".repeat(2 * 1024 * 1024) }),
        headers: { "Content-Type": "application/json" },
      });
      expect(huge.status).toBe(413);
      expect(huge.body).toMatchObject({ code: "payload-too-large" });
      const broken = await bob.request("PATCH", "/api/auth/me", {
        body: '{"theme": "dark"',
        headers: { "Content-Type": "application/json" },
      });
      expect(broken.status).toBe(400);
      expect(broken.body).toMatchObject({ code: "malformed-json" });
    });

    it("changes only the caller's own settings, never another user's", async () => {
      const { client: carol } = await signedInUser(server, admin, CAROL);
      await bob.patch("/api/auth/me", { theme: "dark", language: "fr" });
      expect((await carol.get<Me>("/api/auth/me")).body.user).toMatchObject({ theme: "system", language: null });
      expect((await admin.get<Me>("/api/auth/me")).body.user).toMatchObject({ theme: "system", language: null });
      // The admin's list shows each user's own, and the admin's change left bob's alone.
      await admin.patch("/api/auth/me", { theme: "light" });
      const listed = await admin.get<{ data: { username: string; theme: string }[] }>("/api/admin/users");
      const themes = listed.body.data.map(({ username, theme }) => [username, theme]);
      expect(themes.sort()).toEqual([
        ["ada", "light"],
        ["bob", "dark"],
        ["carol", "system"],
      ]);
    });

    it("needs a signed-in user and the session's CSRF token", async () => {
      expect((await server.client().patch("/api/auth/me", { theme: "dark" })).status).toBe(401);
      const withoutToken = await bob.patch("/api/auth/me", { theme: "dark" }, { csrf: false });
      expect(withoutToken.status).toBe(403);
      expect(withoutToken.body).toMatchObject({ code: "csrf-token-invalid" });
    });
  });

  describe("password change", () => {
    const change = (client: TestClient, currentPassword: unknown, newPassword: unknown, headers = {}) =>
      client.post("/api/auth/password", { currentPassword, newPassword }, { headers });

    it("changes the password: the old one no longer signs in, the new one does", async () => {
      const changed = await change(bob, BOB.password, NEW_PASSWORD);
      expect(changed.status, changed.text).toBe(204);
      expect((await server.client().logIn(BOB.email, BOB.password)).status).toBe(401);
      expect((await server.client().logIn(BOB.email, NEW_PASSWORD)).status).toBe(200);
    });

    it("ends the user's other sessions and their event streams, keeping the one that asked and API keys", async () => {
      const other = server.client();
      await other.logIn(BOB.email, BOB.password);
      const headers = await byKey(bob);
      const conversationId = await createConversation(bob);
      const stream = await EventStreamClient.open(other, `/api/conversations/${conversationId}/events`);
      expect(stream.status).toBe(200);

      expect((await change(bob, BOB.password, NEW_PASSWORD)).status).toBe(204);
      expect((await other.get("/api/auth/me")).status).toBe(401);
      await stream.waitForEnd(5000);
      expect((await bob.get("/api/auth/me")).status).toBe(200);
      // The session that asked keeps its CSRF token: a mutation still goes through.
      expect((await bob.patch("/api/auth/me", { theme: "dark" })).status).toBe(200);
      expect((await server.client().get("/api/auth/me", { headers })).status).toBe(200);
    });

    it("ends every session when asked with an API key", async () => {
      const headers = await byKey(bob);
      expect((await change(server.client(), BOB.password, NEW_PASSWORD, headers)).status).toBe(204);
      expect((await bob.get("/api/auth/me")).status).toBe(401);
      expect((await server.client().get("/api/auth/me", { headers })).status).toBe(200);
    });

    it("refuses a wrong current password with 403 wrong-password and changes nothing", async () => {
      const refused = await change(bob, "not bob's password", NEW_PASSWORD);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ code: "wrong-password", detail: "The current password is wrong." });
      expect((await server.client().logIn(BOB.email, BOB.password)).status).toBe(200);
      expect((await bob.get("/api/auth/me")).status).toBe(200);
    });

    it("counts wrong current passwords as sign-in attempts: 429 with Retry-After once over the limit", async () => {
      for (let attempt = 0; attempt < PER_ACCOUNT; attempt++) {
        expect((await change(bob, `guess ${attempt}`, NEW_PASSWORD)).status).toBe(403);
      }
      const limited = await change(bob, BOB.password, NEW_PASSWORD);
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ code: "rate-limited", retryAfterSeconds: expect.any(Number) });
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
      // Another user is not held back by bob's guesses.
      const { client: carol } = await signedInUser(server, admin, CAROL);
      expect((await change(carol, CAROL.password, "carol's new password")).status).toBe(204);

      server.clock.advance(61);
      expect((await change(bob, BOB.password, NEW_PASSWORD)).status).toBe(204);
    });

    it("does not count a successful change against the limit", async () => {
      let current = BOB.password;
      for (let round = 0; round < PER_ACCOUNT + 2; round++) {
        const next = `bob's password number ${round}`;
        expect((await change(bob, current, next)).status).toBe(204);
        current = next;
      }
    });

    it("refuses a short, oversized or missing password and unknown fields, naming the field", async () => {
      const refusals: [body: unknown, field: string][] = [
        [{ currentPassword: BOB.password, newPassword: "short" }, "newPassword"],
        [{ currentPassword: BOB.password, newPassword: "x".repeat(1025) }, "newPassword"],
        [{ currentPassword: BOB.password }, "newPassword"],
        [{ currentPassword: BOB.password, newPassword: 12345678 }, "newPassword"],
        [{ currentPassword: "", newPassword: NEW_PASSWORD }, "currentPassword"],
        [{ currentPassword: "x".repeat(1025), newPassword: NEW_PASSWORD }, "currentPassword"],
        [{ newPassword: NEW_PASSWORD }, "currentPassword"],
        [{ currentPassword: BOB.password, newPassword: NEW_PASSWORD, userId: "someone else" }, ""],
      ];
      for (const [body, field] of refusals) {
        const refused = await bob.post("/api/auth/password", body);
        expect(refused.status, JSON.stringify(body).slice(0, 80)).toBe(400);
        expect(refused.body).toMatchObject({
          code: "validation-failed",
          issues: expect.arrayContaining([expect.objectContaining({ field })]),
        });
      }
      expect((await server.client().logIn(BOB.email, BOB.password)).status).toBe(200);
    });

    it("changes only the caller's password, whatever the body names", async () => {
      const { client: carol } = await signedInUser(server, admin, CAROL);
      // Bob's current password is not carol's: nothing lets one user change another's.
      expect((await change(carol, BOB.password, NEW_PASSWORD)).status).toBe(403);
      expect((await change(carol, CAROL.password, NEW_PASSWORD)).status).toBe(204);
      expect((await server.client().logIn(BOB.email, BOB.password)).status).toBe(200);
      expect((await bob.get("/api/auth/me")).status).toBe(200);
      expect((await server.client().logIn(CAROL.email, NEW_PASSWORD)).status).toBe(200);
    });

    it("needs a signed-in user and the session's CSRF token", async () => {
      expect((await change(server.client(), BOB.password, NEW_PASSWORD)).status).toBe(401);
      const withoutToken = await bob.post(
        "/api/auth/password",
        { currentPassword: BOB.password, newPassword: NEW_PASSWORD },
        { csrf: false },
      );
      expect(withoutToken.body).toMatchObject({ code: "csrf-token-invalid" });
      expect((await server.client().logIn(BOB.email, BOB.password)).status).toBe(200);
    });
  });
});
