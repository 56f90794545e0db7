import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createConversation,
  type Message,
  sendMessage,
  settledReply,
  signedInAdmin,
  signedInUser,
  startTestServer,
  type TestClient,
  type TestServer,
} from "../testing/index.ts";

interface LimitsBody {
  limits: Record<string, number>;
  defaults: Record<string, number>;
  overrides: Record<string, number>;
  usage: { storedBytes: number; apiKeys: number };
}

const CAPS = { apiKeys: 3, conversationsPerMinute: 3, messagesPerMinute: 3, storageBytes: 1_000_000 };

describe("per-user limits (issue: harden the core, item 3)", () => {
  let server: TestServer;
  let modelsDir: string;
  let admin: TestClient;
  let bob: TestClient;
  let bobId: string;
  let carol: TestClient;
  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-models-"));
    await writeTestModel(join(modelsDir, "tiny-chat.gguf"));
    server = await startTestServer({
      modelsDir,
      engine: { gpu: "off", contextSize: 512 },
      chat: { maxReplyTokens: 8 },
      limits: CAPS,
    });
  });
  afterAll(async () => {
    await server.close();
    await rm(modelsDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await server.reset();
    admin = await signedInAdmin(server);
    ({ client: bob, id: bobId } = await signedInUser(server, admin, {
      username: "bob",
      email: "bob@example.com",
      password: "bob's long password",
    }));
    ({ client: carol } = await signedInUser(server, admin, {
      username: "carol",
      email: "carol@example.com",
      password: "carol's long password",
    }));
  });

  const setLimits = async (userId: string, change: Record<string, number | null>) => {
    const response = await admin.patch<LimitsBody>(`/api/admin/users/${userId}/limits`, change);
    expect(response.status).toBe(200);
    return response.body;
  };
  const createKey = (client: TestClient, name = "key") =>
    client.post<{ id: string; detail?: string }>("/api/api-keys", { name });

  describe("API keys", () => {
    it("refuses a key past the cap with 429 limit-exceeded naming apiKeys and its value", async () => {
      for (let index = 0; index < 3; index++) expect((await createKey(bob)).status).toBe(201);
      const refused = await createKey(bob);
      expect(refused.status).toBe(429);
      expect(refused.headers.get("content-type")).toContain("application/problem+json");
      expect(refused.body).toMatchObject({ code: "limit-exceeded", limit: "apiKeys", value: 3 });
      expect(refused.body.detail).toContain("limit of 3 API keys");
      expect(refused.headers.get("Retry-After")).toBeNull();
      // Another user has their own count.
      expect((await createKey(carol)).status).toBe(201);
    });

    it("lets a user create a key again once they revoke one", async () => {
      const keys = [];
      for (let index = 0; index < 3; index++) keys.push((await createKey(bob)).body.id);
      expect((await createKey(bob)).status).toBe(429);
      expect((await bob.delete(`/api/api-keys/${keys[0]}`)).status).toBe(204);
      expect((await createKey(bob)).status).toBe(201);
    });

    it("lets exactly the cap of concurrent creations through", async () => {
      await setLimits(bobId, { apiKeys: 5 });
      // Without the lock on the user's row, 60 at once made 6 or 7 keys on PostgreSQL.
      const results = await Promise.all(Array.from({ length: 60 }, (_, index) => createKey(bob, `key ${index}`)));
      const statuses = results.map((result) => result.status).sort();
      expect(statuses.filter((status) => status === 201)).toHaveLength(5);
      expect(statuses.filter((status) => status === 429)).toHaveLength(55);
      const { rows } = await server.db.query<{ count: number }>(
        "SELECT count(*)::int AS count FROM api_keys WHERE user_id = $1",
        [bobId],
      );
      expect(rows[0]?.count).toBe(5);
    });
  });

  describe("conversations per minute", () => {
    it("refuses a conversation past the cap with 429 and Retry-After, until the minute is over", async () => {
      for (let index = 0; index < 3; index++) await createConversation(bob);
      const refused = await bob.post("/api/conversations", {});
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ code: "limit-exceeded", limit: "conversationsPerMinute", value: 3 });
      const retryAfter = Number(refused.headers.get("Retry-After"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(refused.body.retryAfterSeconds).toBe(retryAfter);
      expect((await carol.post("/api/conversations", {})).status).toBe(201);

      server.clock.advance(60);
      expect((await bob.post("/api/conversations", {})).status).toBe(201);
    });

    it("follows an admin's override, and the default again once it is cleared", async () => {
      const raised = await setLimits(bobId, { conversationsPerMinute: 5 });
      expect(raised).toMatchObject({
        limits: { conversationsPerMinute: 5 },
        defaults: { conversationsPerMinute: 3 },
        overrides: { conversationsPerMinute: 5 },
      });
      for (let index = 0; index < 5; index++) await createConversation(bob);
      expect((await bob.post("/api/conversations", {})).status).toBe(429);

      server.clock.advance(60);
      const cleared = await setLimits(bobId, { conversationsPerMinute: null });
      expect(cleared.overrides).toEqual({});
      expect(cleared.limits.conversationsPerMinute).toBe(3);
      for (let index = 0; index < 3; index++) await createConversation(bob);
      const refused = await bob.post("/api/conversations", {});
      expect(refused.body).toMatchObject({ code: "limit-exceeded", value: 3 });
    });

    it("can be lowered for one user", async () => {
      await setLimits(bobId, { conversationsPerMinute: 1 });
      await createConversation(bob);
      expect((await bob.post("/api/conversations", {})).body).toMatchObject({ code: "limit-exceeded", value: 1 });
      for (let index = 0; index < 3; index++) await createConversation(carol);
    });
  });

  describe("messages per minute", () => {
    it("counts sends, edits and regenerations together and refuses the next with 429", async () => {
      const conversationId = await createConversation(bob);
      const sent = await sendMessage(bob, conversationId, "Hello");
      await settledReply(bob, conversationId, sent.assistantMessage.id);
      const edited = await bob.patch<{ assistantMessage: Message }>(`/api/messages/${sent.userMessage.id}`, {
        content: "Hello again",
      });
      expect(edited.status).toBe(202);
      await settledReply(bob, conversationId, edited.body.assistantMessage.id);
      const regenerated = await bob.post<{ assistantMessage: Message }>(
        `/api/messages/${edited.body.assistantMessage.id}/regenerate`,
        {},
      );
      expect(regenerated.status).toBe(202);
      await settledReply(bob, conversationId, regenerated.body.assistantMessage.id);

      const refused = await bob.post(`/api/conversations/${conversationId}/messages`, { content: "One more" });
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ code: "limit-exceeded", limit: "messagesPerMinute", value: 3 });
      expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
      const refusedEdit = await bob.patch(`/api/messages/${sent.userMessage.id}`, { content: "Edit" });
      expect(refusedEdit.body).toMatchObject({ code: "limit-exceeded", limit: "messagesPerMinute" });

      const carolsConversation = await createConversation(carol);
      await sendMessage(carol, carolsConversation, "Unaffected");

      server.clock.advance(60);
      expect((await bob.post(`/api/conversations/${conversationId}/messages`, { content: "Later" })).status).toBe(202);
    });
  });

  describe("storage quota", () => {
    const storedBytesOf = async (client: TestClient, conversationId: string) => {
      const tree = await client.get<{ data: Message[] }>(`/api/conversations/${conversationId}/tree?limit=1000`);
      return tree.body.data.reduce((sum, message) => sum + Buffer.byteLength(message.content), 0);
    };

    it("counts the bytes of questions and replies, deleted conversations included", async () => {
      const conversationId = await createConversation(bob);
      const sent = await sendMessage(bob, conversationId, "Grüße, ☃ 😀");
      await settledReply(bob, conversationId, sent.assistantMessage.id);
      const expected = await storedBytesOf(bob, conversationId);
      expect(expected).toBeGreaterThan(Buffer.byteLength("Grüße, ☃ 😀"));

      const own = await bob.get<LimitsBody>("/api/limits");
      expect(own.status).toBe(200);
      expect(own.body.usage.storedBytes).toBe(expected);
      expect((await carol.get<LimitsBody>("/api/limits")).body.usage.storedBytes).toBe(0);

      expect((await bob.delete(`/api/conversations/${conversationId}`)).status).toBe(204);
      expect((await bob.get<LimitsBody>("/api/limits")).body.usage.storedBytes).toBe(expected);
    });

    it("refuses text that would pass the quota with 413, counting bytes rather than characters", async () => {
      const conversationId = await createConversation(bob);
      const first = await sendMessage(bob, conversationId, "Hi");
      await settledReply(bob, conversationId, first.assistantMessage.id);
      const used = (await bob.get<LimitsBody>("/api/limits")).body.usage.storedBytes;

      // 10 characters, 30 bytes: a quota counted in characters would let it through.
      const euros = "€".repeat(10);
      await setLimits(bobId, { storageBytes: used + 20, messagesPerMinute: 100 });
      const refused = await bob.post(`/api/conversations/${conversationId}/messages`, { content: euros });
      expect(refused.status).toBe(413);
      expect(refused.headers.get("content-type")).toContain("application/problem+json");
      expect(refused.body).toMatchObject({
        code: "storage-quota-exceeded",
        limit: "storageBytes",
        value: used + 20,
        usedBytes: used,
      });
      expect(refused.body.detail).toContain(`quota of ${used + 20} bytes`);
      const refusedEdit = await bob.patch(`/api/messages/${first.userMessage.id}`, { content: euros });
      expect(refusedEdit.status).toBe(413);
      expect(await storedBytesOf(bob, conversationId)).toBe(used);

      await setLimits(bobId, { storageBytes: used + 30 });
      const fits = await sendMessage(bob, conversationId, euros);
      // The reply may finish past the quota; the next send is refused.
      await settledReply(bob, conversationId, fits.assistantMessage.id);
      const full = await bob.post<{ code: string }>(`/api/conversations/${conversationId}/messages`, { content: "x" });
      expect(full.status).toBe(413);
      const regenerated = await bob.post(`/api/messages/${fits.assistantMessage.id}/regenerate`, {});
      expect(regenerated.status).toBe(413);

      const carolsConversation = await createConversation(carol);
      await sendMessage(carol, carolsConversation, euros);
    });
  });

  describe("admin overrides", () => {
    it("show each user's effective limits, defaults, overrides and usage to admins", async () => {
      await createKey(bob);
      const report = await admin.get<LimitsBody>(`/api/admin/users/${bobId}/limits`);
      expect(report.status).toBe(200);
      expect(report.body).toEqual({
        limits: { ...CAPS, eventStreams: server.config.limits.eventStreams },
        defaults: { ...CAPS, eventStreams: server.config.limits.eventStreams },
        overrides: {},
        usage: { storedBytes: 0, apiKeys: 1 },
        rateLimits: null,
      });
      const changed = await setLimits(bobId, { apiKeys: 10, storageBytes: 5000 });
      expect(changed.overrides).toEqual({ apiKeys: 10, storageBytes: 5000 });
      // Limits left out of a change keep their override.
      expect((await setLimits(bobId, { messagesPerMinute: 7 })).overrides).toEqual({
        apiKeys: 10,
        storageBytes: 5000,
        messagesPerMinute: 7,
      });
      expect((await bob.get<LimitsBody>("/api/limits")).body.limits).toMatchObject({ apiKeys: 10, storageBytes: 5000 });
    });

    it("cannot be read or set by a non-admin, who sees only their own limits", async () => {
      const carolsId = (await carol.get<{ user: { id: string } }>("/api/auth/me")).body.user.id;
      const read = await bob.get(`/api/admin/users/${carolsId}/limits`);
      expect(read.status).toBe(403);
      expect(read.body).toMatchObject({ code: "admin-required" });
      const set = await bob.patch(`/api/admin/users/${bobId}/limits`, { apiKeys: 1000 });
      expect(set.status).toBe(403);
      expect((await bob.get<LimitsBody>("/api/limits")).body.overrides).toEqual({});
    });

    it("answer 404 for a user that does not exist and 400 for a limit that is not a positive integer", async () => {
      const nobody = "00000000-0000-4000-8000-000000000000";
      expect((await admin.get(`/api/admin/users/${nobody}/limits`)).body).toMatchObject({ code: "user-not-found" });
      const setMissing = await admin.patch(`/api/admin/users/${nobody}/limits`, { apiKeys: 2 });
      expect(setMissing.status).toBe(404);
      for (const change of [{ apiKeys: 0 }, { apiKeys: -1 }, { apiKeys: 1.5 }, { apiKeys: "9" }, { unknown: 1 }]) {
        const refused = await admin.patch(`/api/admin/users/${bobId}/limits`, change);
        expect(refused.status).toBe(400);
        expect(refused.body).toMatchObject({ code: "validation-failed" });
      }
    });
  });
});
