/**
 * Rate-limit profiles: admins define calls per minute and per day and token budgets, assign them to
 * roles, users and API keys, and every model call (a send, a /v1 call) is admitted under the most
 * specific one, with the IETF draft's RateLimit-Policy and RateLimit headers; a burst past a limit gets
 * 429 with Retry-After, and the budget refills with time (the server's clock is moved by hand).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createConversation,
  signedInAdmin,
  signedInUser,
  startTestServer,
  type TestClient,
  type TestServer,
} from "../testing/index.ts";

const PROFILES = "/api/admin/rate-limit-profiles";
const ASSIGN = "/api/admin/rate-limit-assignments";

describe("rate-limit profiles", { timeout: 60_000 }, () => {
  let modelsDir: string;
  let server: TestServer;
  let admin: TestClient;
  let bob: TestClient;
  let bobId: string;
  let bobKey: string;
  let bobKeyId: string;

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-quotas-"));
    await writeTestModel(join(modelsDir, "tiny.gguf"));
    // Per-minute limits of the user's own high enough not to be what stops these calls.
    server = await startTestServer({
      modelsDir,
      engine: { gpu: "off", contextSize: 512 },
      chat: { maxReplyTokens: 4 },
      limits: { messagesPerMinute: 1000, conversationsPerMinute: 1000 },
    });
    admin = await signedInAdmin(server);
    ({ client: bob } = await signedInUser(server, admin, {
      username: "bob",
      email: "bob@example.com",
      password: "bob password 1",
    }));
    bobId = (await bob.get<{ user: { id: string } }>("/api/auth/me")).body.user.id;
    const key = await bob.post<{ key: string; id: string }>("/api/api-keys", { name: "bob's" });
    bobKey = key.body.key;
    bobKeyId = key.body.id;
  });
  afterAll(async () => {
    await server.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  const call = (key = bobKey) =>
    fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model: "local/tiny", messages: [{ role: "user", content: "Hi" }], max_tokens: 2 }),
    });
  const calls = async (count: number) => {
    const statuses: number[] = [];
    for (let index = 0; index < count; index++) {
      const response = await call();
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    return statuses;
  };
  const assign = (kind: string, id: string, profile: string | null) =>
    admin.request("PUT", ASSIGN, { json: { kind, id, profile } });

  it("refuses what is not a profile or an assignment, naming the field, and is for admins only", async () => {
    for (const [body, field] of [
      [{ id: "Has Spaces" }, "id"],
      [{ id: "x".repeat(64) }, "id"],
      [{ id: "ok", requestsPerMinute: 0 }, "requestsPerMinute"],
      [{ id: "ok", tokensPerDay: -5 }, "tokensPerDay"],
      [{ id: "ok", requestsPerMinute: 1.5 }, "requestsPerMinute"],
      [{ id: "ok", colour: "red" }, ""],
      [{ id: "ok", description: "x".repeat(501) }, "description"],
    ] as const) {
      const response = await admin.post(PROFILES, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body).toMatchObject({ issues: [expect.objectContaining({ field })] });
    }
    expect((await admin.post(PROFILES, { id: "tight", requestsPerMinute: 3 })).status).toBe(201);
    expect((await admin.post(PROFILES, { id: "tight" })).body).toMatchObject({ code: "rate-limit-profile-exists" });
    expect((await admin.patch(`${PROFILES}/tight`, {})).status).toBe(400);
    expect((await admin.patch(`${PROFILES}/absent`, { requestsPerDay: 5 })).status).toBe(404);
    expect((await assign("user", bobId, "absent")).body).toMatchObject({ code: "rate-limit-profile-not-found" });
    for (const [kind, id] of [
      ["user", "00000000-0000-4000-8000-000000000000"],
      ["user", "not-a-uuid"],
      ["apiKey", "00000000-0000-4000-8000-000000000000"],
      ["role", "emperor"],
    ] as const) {
      const response = await assign(kind, id, "tight");
      expect(response.status, `${kind} ${id}`).toBe(404);
      expect(response.body).toMatchObject({ code: "assignment-target-not-found" });
    }
    expect((await assign("group", bobId, "tight")).status).toBe(400);
    for (const response of [
      await bob.get(PROFILES),
      await bob.post(PROFILES, { id: "mine" }),
      await bob.patch(`${PROFILES}/tight`, { requestsPerMinute: 100 }),
      await bob.delete(`${PROFILES}/tight`),
      await bob.request("PUT", ASSIGN, { json: { kind: "user", id: bobId, profile: null } }),
    ]) {
      expect(response.status).toBe(403);
    }
  });

  it("lets a burst up to the limit through with the headers, refuses the next with 429 and Retry-After, and refills evenly", async () => {
    expect((await call()).headers.get("ratelimit-policy")).toBeNull();
    expect((await assign("user", bobId, "tight")).status).toBe(200);
    const first = await call();
    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-policy")).toBe('"requests-per-minute";q=3;w=60');
    expect(first.headers.get("ratelimit")).toBe('"requests-per-minute";r=2;t=20');
    expect(await calls(2)).toEqual([200, 200]);
    const refused = await call();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("20");
    expect(refused.headers.get("ratelimit")).toBe('"requests-per-minute";r=0;t=60');
    expect(await refused.json()).toMatchObject({ error: { code: "quota_exceeded" } });
    // After a burst, one call every 20 seconds.
    server.clock.advance(20);
    expect(await calls(2)).toEqual([200, 429]);
    server.clock.advance(39);
    expect(await calls(2)).toEqual([200, 429]);
    // The minute's edge lets one call through, not a new minute's three (as a fixed window would).
    server.clock.advance(1);
    expect(await calls(2)).toEqual([200, 429]);
    server.clock.advance(60);
  });

  it("holds sends in conversations to the same profile", async () => {
    const send = async () => {
      const conversationId = await createConversation(bob, { model: "local/tiny" });
      return bob.post(`/api/conversations/${conversationId}/messages`, { content: "Hi" });
    };
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof send>> | undefined;
    for (let index = 0; index < 4; index++) {
      last = await send();
      statuses.push(last.status);
    }
    expect(statuses).toEqual([202, 202, 202, 429]);
    expect(last?.body).toMatchObject({
      code: "quota-exceeded",
      profile: "tight",
      quota: "requests-per-minute",
      value: 3,
    });
    expect(last?.headers.get("ratelimit-policy")).toBe('"requests-per-minute";q=3;w=60');
    // The replies' tokens are counted when they end: let them, in this minute.
    await server.idle();
    server.clock.advance(60);
  });

  it("shows callers the profile that applies to them and where they stand", async () => {
    const limits = await bob.get<{ rateLimits: unknown }>("/api/limits");
    expect(limits.body.rateLimits).toEqual({
      profile: "tight",
      quotas: [
        {
          name: "requests-per-minute",
          limit: 3,
          windowSeconds: 60,
          unit: "requests",
          remaining: expect.any(Number),
          resetSeconds: expect.any(Number),
        },
      ],
    });
    const listed = await admin.get<{ data: { id: string; assignments: unknown[] }[] }>(PROFILES);
    expect(listed.body.data).toEqual([
      expect.objectContaining({ id: "tight", requestsPerMinute: 3, assignments: [{ kind: "user", id: bobId }] }),
    ]);
  });

  it("checks a token budget before a call and charges it with what the call used, refilling as calls leave the window", async () => {
    const budget = await admin.post(PROFILES, { id: "tokens", tokensPerMinute: 30 });
    expect(budget.status, budget.text).toBe(201);
    expect((await assign("user", bobId, "tokens")).status).toBe(200);
    const first = await call();
    const used = ((await first.json()) as { usage: { total_tokens: number } }).usage.total_tokens;
    expect(used).toBeGreaterThan(0);
    expect(first.headers.get("ratelimit")).toBe('"tokens-per-minute";r=30;t=0');
    // Calls go on while the budget has room: each charges what it used once it ends.
    const statuses: number[] = [200];
    let refused: Response | undefined;
    for (let index = 0; index < 10 && refused === undefined; index++) {
      const response = await call();
      statuses.push(response.status);
      if (response.status === 429) refused = response;
      else await response.arrayBuffer();
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(Math.ceil(30 / used));
    expect(refused?.headers.get("ratelimit-policy")).toBe('"tokens-per-minute";q=30;w=60;qu="tokens"');
    expect(refused?.headers.get("ratelimit")).toMatch(/^"tokens-per-minute";r=0;t=60$/);
    expect(Number(refused?.headers.get("retry-after"))).toBe(60);
    expect(await refused?.json()).toMatchObject({ error: { code: "quota_exceeded" } });
    server.clock.advance(61);
    expect((await call()).status).toBe(200);
  });

  it("counts an API key with its own profile apart from its user, and a role's profile applies to users without one", async () => {
    expect((await admin.post(PROFILES, { id: "one-a-minute", requestsPerMinute: 1 })).status).toBe(201);
    expect((await assign("apiKey", bobKeyId, "one-a-minute")).status).toBe(200);
    expect((await assign("user", bobId, null)).status).toBe(200);
    expect(await calls(2)).toEqual([200, 429]);
    // Bob's own sends (his session) are not the key's: no profile of his own, and the role has none.
    const conversationId = await createConversation(bob, { model: "local/tiny" });
    const sent = await bob.post(`/api/conversations/${conversationId}/messages`, { content: "Hi" });
    expect(sent.status).toBe(202);
    expect(sent.headers.get("ratelimit-policy")).toBeNull();
    // The role `user` gets a profile: bob's session falls under it, his key keeps its own.
    expect((await assign("role", "user", "tight")).status).toBe(200);
    const underRole = await bob.post(`/api/conversations/${conversationId}/messages`, { content: "Again" });
    expect(underRole.headers.get("ratelimit-policy")).toBe('"requests-per-minute";q=3;w=60');
    expect((await call()).headers.get("ratelimit-policy")).toBe('"requests-per-minute";q=1;w=60');
    // Deleting a profile takes its assignments with it.
    expect((await admin.delete(`${PROFILES}/tight`)).status).toBe(204);
    const free = await bob.post(`/api/conversations/${conversationId}/messages`, { content: "Free" });
    expect(free.headers.get("ratelimit-policy")).toBeNull();
    expect((await admin.delete(`${PROFILES}/tight`)).status).toBe(404);
  });
});
