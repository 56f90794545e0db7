import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signedInAdmin, signedInUser, startTestServer, TestClient, type TestServer } from "../testing/index.ts";

interface CreatedKey {
  id: string;
  key: string;
  name: string;
  prefix: string;
}

describe("API keys", () => {
  let server: TestServer;
  let admin: TestClient;
  beforeAll(async () => {
    server = await startTestServer();
  });
  beforeEach(async () => {
    await server.reset();
    admin = await signedInAdmin(server);
  });
  afterAll(() => server.close());

  const bearer = (key: string) => {
    const client = new TestClient(server.url);
    return {
      get: (path: string) => client.get(path, { headers: { Authorization: `Bearer ${key}` } }),
      post: (path: string, json: unknown) => client.post(path, json, { headers: { Authorization: `Bearer ${key}` } }),
    };
  };

  it("shows a new key once and stores only its hash", async () => {
    const created = await admin.post<CreatedKey>("/api/api-keys", { name: "laptop" });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^hk_[\w-]{43}$/);
    expect(created.body.key.startsWith(created.body.prefix)).toBe(true);

    const { rows } = await server.db.query<Record<string, unknown>>("SELECT * FROM api_keys");
    expect(JSON.stringify(rows)).not.toContain(created.body.key);
    expect(rows[0]?.key_hash).toBe(createHash("sha256").update(created.body.key).digest("hex"));

    const listed = await admin.get<{ data: Record<string, unknown>[] }>("/api/api-keys");
    expect(listed.body.data).toEqual([
      {
        id: created.body.id,
        name: "laptop",
        prefix: created.body.prefix,
        createdAt: expect.any(String),
        lastUsedAt: null,
      },
    ]);
    expect(listed.text).not.toContain(created.body.key);
  });

  it("authenticates as its owner with Authorization: Bearer, without a CSRF token", async () => {
    const { body } = await admin.post<CreatedKey>("/api/api-keys", { name: "script" });
    const me = await bearer(body.key).get("/api/auth/me");
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: { email: "ada@example.com" }, csrfToken: null });
    const another = await bearer(body.key).post("/api/api-keys", { name: "made by a key" });
    expect(another.status).toBe(201);
    const used = await admin.get<{ data: { name: string; lastUsedAt: string | null }[] }>("/api/api-keys");
    expect(used.body.data.find((key) => key.name === "script")?.lastUsedAt).not.toBeNull();
  });

  it("also authenticates on /v1 routes", async () => {
    const { body } = await admin.post<CreatedKey>("/api/api-keys", { name: "openai client" });
    expect((await bearer("hk_not-a-real-key").get("/v1/models")).status).toBe(401);
    expect((await bearer(body.key).get("/v1/models")).status).toBe(200);
  });

  it("stops working once revoked", async () => {
    const { body } = await admin.post<CreatedKey>("/api/api-keys", { name: "old" });
    expect((await admin.delete(`/api/api-keys/${body.id}`)).status).toBe(204);
    const refused = await bearer(body.key).get("/api/auth/me");
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ code: "unauthenticated" });
    expect((await admin.get<{ data: unknown[] }>("/api/api-keys")).body.data).toEqual([]);
    expect((await admin.delete(`/api/api-keys/${body.id}`)).status).toBe(404);
  });

  it("answers 404 for another user's key, and neither lists nor revokes it", async () => {
    const { client: bob } = await signedInUser(server, admin, {
      username: "bob",
      email: "bob@example.com",
      password: "bob password 1",
    });
    const { body: adminKey } = await admin.post<CreatedKey>("/api/api-keys", { name: "admin's" });
    expect((await bob.get<{ data: unknown[] }>("/api/api-keys")).body.data).toEqual([]);
    const attempt = await bob.delete(`/api/api-keys/${adminKey.id}`);
    expect(attempt.status).toBe(404);
    expect(attempt.body).toMatchObject({ code: "api-key-not-found" });
    expect((await bearer(adminKey.key).get("/api/auth/me")).status).toBe(200);
  });

  it("refuses a malformed Authorization header instead of falling back to the cookie", async () => {
    const response = await admin.get("/api/auth/me", { headers: { Authorization: "Basic YWRhOnB3" } });
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ detail: expect.stringContaining("Bearer") });
  });

  it("names the field when the key name is missing or the id is not a UUID", async () => {
    const missing = await admin.post("/api/api-keys", {});
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({
      code: "validation-failed",
      issues: [{ field: "name", message: "is required" }],
    });
    const badId = await admin.delete("/api/api-keys/not-a-uuid");
    expect(badId.status).toBe(400);
    expect(badId.body).toMatchObject({ issues: [{ field: "id" }] });
  });
});
