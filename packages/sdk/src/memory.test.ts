import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { ADMIN, startTestServer, type TestServer } from "@hearth/server/testing";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import { createHearthClient, type HearthClient } from "./create-hearth-client.ts";
import type { components } from "./generated/openapi.ts";
import { HearthError, isHearthError } from "./hearth-error.ts";
import { paginate } from "./paginate.ts";
import { sendMessage } from "./stream-reply.ts";
import { unwrap } from "./unwrap.ts";

type Memory = components["schemas"]["Memory"];
type MemorySettings = components["schemas"]["MemorySettings"];
type MemoryUse = components["schemas"]["MemoryUse"];

const BOB = { username: "bob", email: "bob@example.com", password: "bob's long password" };

/**
 * Issue 14 §3, memory, through the typed client: settings, saved memories and proposals, export and
 * delete-all, another user's memory not there, and a reply that says which memory it read (never in a
 * temporary conversation).
 */
describe("memory through the SDK, against a real server", { timeout: 60_000 }, () => {
  let modelsDir: string;
  let server: TestServer;
  let ada: HearthClient;
  let bob: HearthClient;
  let metric: Memory;

  /** Adds a memory a second later than the last, so that newest first is a fixed order. */
  const add = async (client: HearthClient, content: string) => {
    server.clock.advance(1);
    return client.api.POST("/api/memories", { body: { content } });
  };
  /** Sends a question and answers its reply's `message.done` data and the reply as stored. */
  const ask = async (conversationId: string, content: string) => {
    server.clock.advance(10); // past the per-minute message limit
    const reply = await sendMessage(ada, conversationId, { content });
    let done: { memoryUsed?: MemoryUse[] | null } | undefined;
    for await (const event of reply.events) if (event.type === "message.done") done = event.data;
    const path = unwrap(
      await ada.api.GET("/api/conversations/{id}/messages", { params: { path: { id: conversationId } } }),
    );
    const stored = path.data.find((message) => message.id === reply.started.assistantMessage.id);
    return { done, stored };
  };

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-sdk-memory-"));
    // A context that holds the memory section of the system prompt as well as the question.
    await writeTestModel(join(modelsDir, "tiny.gguf"), { contextLength: 4096 });
    server = await startTestServer({
      modelsDir,
      engine: { gpu: "off", contextSize: 4096 },
      chat: { maxReplyTokens: 4 },
    });
    ada = createHearthClient({ baseUrl: server.url });
    unwrap(await ada.api.POST("/api/setup", { body: ADMIN }));
    unwrap(await ada.api.POST("/api/auth/login", { body: { email: ADMIN.email, password: ADMIN.password } }));
    unwrap(await ada.api.POST("/api/admin/users", { body: BOB }));
    bob = createHearthClient({ baseUrl: server.url });
    unwrap(await bob.api.POST("/api/auth/login", { body: { email: BOB.email, password: BOB.password } }));
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it("reads the settings, off by default, and changes one of them at a time", async () => {
    const settings = unwrap(await ada.api.GET("/api/memory/settings"));
    expectTypeOf(settings).toEqualTypeOf<MemorySettings>();
    expect(settings).toEqual({ enabled: false, autoSave: true, recallHistory: true, saved: 0, proposed: 0 });
    const changed = unwrap(await ada.api.PATCH("/api/memory/settings", { body: { autoSave: false } }));
    expect(changed).toEqual({ ...settings, autoSave: false });
    expect(unwrap(await ada.api.PATCH("/api/memory/settings", { body: { autoSave: true } })).autoSave).toBe(true);

    const nothing = await ada.api.PATCH("/api/memory/settings", { body: {} });
    expect(nothing.response.status).toBe(400);
    expect(nothing.error?.code).toBe("validation-failed");
  });

  it("saves a memory (201), answers the same fact with the one kept (200), and refuses a bad one naming content", async () => {
    const created = await add(ada, "Prefers metric units.");
    expect(created.response.status).toBe(201);
    metric = unwrap(created);
    expectTypeOf(metric).toEqualTypeOf<Memory>();
    expect(metric).toMatchObject({
      content: "Prefers metric units.",
      status: "saved",
      source: "user",
      conversationId: null,
      messageId: null,
    });

    const again = await add(ada, "  prefers METRIC units. ");
    expect(again.response.status).toBe(200);
    expect(unwrap(again)).toEqual(metric);

    const thrown = await add(ada, "two\nlines")
      .then(unwrap)
      .catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(HearthError);
    expect(isHearthError(thrown, "validation-failed")).toBe(true);
    expect((thrown as HearthError).problem.issues).toEqual([expect.objectContaining({ field: "content" })]);
    const tooLong = await add(ada, "x".repeat(501));
    expect(tooLong.error?.code).toBe("validation-failed");
    expectTypeOf<NonNullable<typeof tooLong.error>["code"]>().toEqualTypeOf<
      | "csrf-token-invalid"
      | "internal-error"
      | "malformed-json"
      | "node-draining"
      | "payload-too-large"
      | "service-starting"
      | "too-many-memories"
      | "unauthenticated"
      | "unsupported-media-type"
      | "validation-failed"
    >();
  });

  it("lists memories newest first, page by page and by status, and saves a proposal", async () => {
    const cats = unwrap(await add(ada, "Has a cat named Miso."));
    // The model's remember tool is the only way to propose; here the proposal is written as it writes one.
    const me = unwrap(await ada.api.GET("/api/auth/me"));
    server.clock.advance(1);
    const {
      rows: [proposalRow],
    } = await server.db.query<{ id: string }>(
      `INSERT INTO memories (user_id, content, status, source, created_at, updated_at)
       VALUES ($1, 'Walks to work.', 'proposed', 'model', $2, $2) RETURNING id`,
      [me.user.id, server.clock.now()],
    );
    const proposalId = proposalRow?.id ?? "";

    const first = unwrap(await ada.api.GET("/api/memories", { params: { query: { limit: 2 } } }));
    expect(first.data.map((memory) => memory.content)).toEqual(["Walks to work.", "Has a cat named Miso."]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const all: Memory[] = [];
    const pages = paginate((cursor) =>
      ada.api.GET("/api/memories", { params: { query: { limit: 1, ...(cursor ? { cursor } : {}) } } }),
    );
    for await (const memory of pages) all.push(memory);
    expect(all.map((memory) => memory.id)).toEqual([proposalId, cats.id, metric.id]);

    const proposed = unwrap(await ada.api.GET("/api/memories", { params: { query: { status: "proposed" } } }));
    expect(proposed).toEqual({
      data: [expect.objectContaining({ id: proposalId, status: "proposed", source: "model" })],
      nextCursor: null,
    });
    expect(unwrap(await ada.api.GET("/api/memory/settings"))).toMatchObject({ saved: 2, proposed: 1 });

    const saved = unwrap(
      await ada.api.PATCH("/api/memories/{id}", { params: { path: { id: proposalId } }, body: { status: "saved" } }),
    );
    expect(saved).toMatchObject({ id: proposalId, status: "saved", source: "model", content: "Walks to work." });
    expect(unwrap(await ada.api.GET("/api/memories", { params: { query: { status: "proposed" } } })).data).toEqual([]);
    expect(unwrap(await ada.api.GET("/api/memory/settings"))).toMatchObject({ saved: 3, proposed: 0 });
  });

  it("changes and deletes a memory, and answers memory-not-found for another user's or a deleted one", async () => {
    const { id } = unwrap(await add(ada, "Has a cat named Pixel."));
    const path = { params: { path: { id } } };
    const changed = unwrap(await ada.api.PATCH("/api/memories/{id}", { ...path, body: { content: "Has two cats." } }));
    expect(changed).toMatchObject({ id, content: "Has two cats.", status: "saved" });

    expect(unwrap(await bob.api.GET("/api/memories")).data).toEqual([]);
    const bobsChange = await bob.api.PATCH("/api/memories/{id}", { ...path, body: { content: "Mine now." } });
    expect(bobsChange.response.status).toBe(404);
    expect(bobsChange.error?.code).toBe("memory-not-found");
    expectTypeOf<NonNullable<typeof bobsChange.error>["code"]>().toEqualTypeOf<
      | "csrf-token-invalid"
      | "internal-error"
      | "malformed-json"
      | "memory-exists"
      | "memory-not-found"
      | "node-draining"
      | "payload-too-large"
      | "service-starting"
      | "unauthenticated"
      | "unsupported-media-type"
      | "validation-failed"
    >();
    const bobsDelete = await bob.api.DELETE("/api/memories/{id}", path);
    expect(bobsDelete.response.status).toBe(404);
    expect(bobsDelete.error?.code).toBe("memory-not-found");
    expect(unwrap(await bob.api.DELETE("/api/memories"))).toEqual({ deleted: 0 });

    const deleted = await ada.api.DELETE("/api/memories/{id}", path);
    expect(deleted.response.status).toBe(204);
    const thrown = await ada.api
      .DELETE("/api/memories/{id}", path)
      .then(unwrap)
      .catch((error: unknown) => error);
    expect(isHearthError(thrown, "memory-not-found")).toBe(true);
  });

  it("gives a reply the saved memories and says so in memoryUsed, on message.done and on the stored reply", async () => {
    expect(unwrap(await ada.api.PATCH("/api/memory/settings", { body: { enabled: true } })).enabled).toBe(true);
    const conversation = unwrap(await ada.api.POST("/api/conversations", { body: { title: "Units" } }));
    expect(conversation.temporary).toBe(false);
    const { done, stored } = await ask(conversation.id, "How far is the moon?");
    expect(stored?.status).toBe("done");
    expectTypeOf(stored?.memoryUsed).toEqualTypeOf<MemoryUse[] | null | undefined>();
    expect(stored?.memoryUsed).toEqual(
      expect.arrayContaining([{ type: "memory", memoryId: metric.id, content: "Prefers metric units." }]),
    );
    expect(done?.memoryUsed).toEqual(stored?.memoryUsed);
  });

  it("neither reads memory nor is recalled in a temporary conversation", async () => {
    const temporary = unwrap(await ada.api.POST("/api/conversations", { body: { temporary: true } }));
    expect(temporary.temporary).toBe(true);
    const { done, stored } = await ask(temporary.id, "How far is the moon?");
    expect(stored).toMatchObject({ status: "done", memoryUsed: null });
    expect(done?.memoryUsed ?? null).toBeNull();
  });

  it("exports the settings and every memory oldest first, and deletes them all at once", async () => {
    const exported = unwrap(await ada.api.GET("/api/memories/export"));
    expect(exported.settings).toMatchObject({ enabled: true, saved: 3, proposed: 0 });
    expect(exported.memories.map((memory) => memory.content)).toEqual([
      "Prefers metric units.",
      "Has a cat named Miso.",
      "Walks to work.",
    ]);
    expect(Number.isNaN(Date.parse(exported.exportedAt))).toBe(false);

    expect(unwrap(await ada.api.DELETE("/api/memories"))).toEqual({ deleted: 3 });
    expect(unwrap(await ada.api.GET("/api/memories"))).toEqual({ data: [], nextCursor: null });
    expect(unwrap(await ada.api.GET("/api/memory/settings"))).toMatchObject({ enabled: true, saved: 0 });
  });
});
