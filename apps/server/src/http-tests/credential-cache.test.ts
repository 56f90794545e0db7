/**
 * Authenticated reads answer from what earlier requests resolved, without a query (shown by taking the
 * credential's row away behind the server's back: it still answers until the cache's time is up), and
 * every change made through the API (logout, a revoked key, a role change, a disable, new settings, a
 * new password) takes effect on the very next request.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedInAdmin, signedInUser, startTestServer, type TestClient, type TestServer } from "../testing/index.ts";

describe("the credential cache", () => {
  let server: TestServer;
  let admin: TestClient;

  beforeAll(async () => {
    server = await startTestServer({ auth: { credentialCacheSeconds: 30 } });
    admin = await signedInAdmin(server);
  });
  afterAll(() => server.close());

  const bob = (username = "bob") =>
    signedInUser(server, admin, { username, email: `${username}@example.com`, password: `${username} password 1` });
  const bearer = (key: string) => ({ headers: { Authorization: `Bearer ${key}` } });

  it("answers a known session and key from memory until its time is up", async () => {
    const { client } = await bob();
    const key = (await client.post<{ key: string }>("/api/api-keys", { name: "k" })).body.key;
    expect((await client.get("/api/auth/me")).status).toBe(200);
    expect((await server.client().get("/api/auth/me", bearer(key))).status).toBe(200);
    // Gone from the database without the API knowing: still answered, from memory...
    await server.db.query("DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = 'bob')");
    await server.db.query("DELETE FROM api_keys WHERE name = 'k'");
    expect((await client.get("/api/auth/me")).status).toBe(200);
    expect((await server.client().get("/api/auth/me", bearer(key))).status).toBe(200);
    // ...for no longer than the cache keeps an entry.
    server.clock.advance(30);
    expect((await client.get("/api/auth/me")).status).toBe(401);
    expect((await server.client().get("/api/auth/me", bearer(key))).status).toBe(401);
  });

  it("ends a session at logout and a key at its revocation, on the next request", async () => {
    const { client } = await bob("cy");
    const created = await client.post<{ key: string; id: string }>("/api/api-keys", { name: "cy's" });
    // The same session in another client, so logging out in one ends it in the other.
    const other = server.client();
    for (const [name, value] of client.cookies) other.cookies.set(name, value);
    expect((await other.get("/api/auth/me")).status).toBe(200);
    expect((await server.client().get("/api/auth/me", bearer(created.body.key))).status).toBe(200);
    expect((await client.delete(`/api/api-keys/${created.body.id}`)).status).toBe(204);
    expect((await server.client().get("/api/auth/me", bearer(created.body.key))).status).toBe(401);
    expect((await client.post("/api/auth/logout")).status).toBe(204);
    expect((await other.get("/api/auth/me")).status).toBe(401);
  });

  it("shows a role change, a disable and new settings on the next request", async () => {
    const { client, id } = await bob("dee");
    const me = async () => (await client.get<{ user: { role: string; theme: string } }>("/api/auth/me")).body.user;
    expect(await me()).toMatchObject({ role: "user", theme: "system" });
    expect((await client.patch("/api/auth/me", { theme: "dark" })).status).toBe(200);
    expect((await me()).theme).toBe("dark");
    expect((await admin.patch(`/api/admin/users/${id}`, { role: "admin" })).status).toBe(200);
    expect((await me()).role).toBe("admin");
    expect((await admin.patch(`/api/admin/users/${id}`, { disabled: true })).status).toBe(200);
    expect((await client.get("/api/auth/me")).status).toBe(401);
  });
});
