import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LanguageModel, PromptMessage } from "@hearth/engine";
import { writeTestModel } from "@hearth/engine/testing";
import type { components } from "@hearth/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createConversation,
  searchIndexed,
  sendMessage,
  settledReply,
  signedInAdmin,
  signedInUser,
  startTestServer,
  type TestClient,
  type TestServer,
} from "../testing/index.ts";

type Memory = components["schemas"]["Memory"];
type MemoryPage = components["schemas"]["MemoryPage"];
type MemorySettings = components["schemas"]["MemorySettings"];

/** A model call as the engine received it. */
interface Call {
  prompt: PromptMessage[];
  tools: string[];
}

/**
 * Issue 14 §3, memory, over real HTTP on the real engine: saved memories kept by their user alone,
 * and replies that read them and the passages of the user's other conversations most relevant to
 * the question (the prompts the engine is called with are recorded on the way in), never another
 * user's, never from or into a temporary chat, and nothing while memory is off.
 */
describe("memory", { timeout: 180_000 }, () => {
  let modelsDir: string;
  let server: TestServer;
  let ada: TestClient;
  let bob: TestClient;
  const calls: Call[] = [];

  /** Sends a question, waits for its reply, and gives the reply with the call that wrote it. */
  const ask = async (client: TestClient, conversationId: string, question: string) => {
    server.clock.advance(10); // past the per-minute message limit
    const exchange = await sendMessage(client, conversationId, question);
    const reply = await settledReply(client, conversationId, exchange.assistantMessage.id);
    expect(reply.status, reply.error ?? "").toBe("done");
    const call = calls.findLast(({ prompt }) => {
      const last = prompt.findLast((message) => message.role === "user");
      return last?.content.some((part) => part.type === "text" && part.text === question) === true;
    });
    if (call === undefined) throw new Error(`no model call asked ${JSON.stringify(question)}`);
    const system = call.prompt.find((message) => message.role === "system")?.content ?? "";
    // The question's message as the model read it: recalled passages go before the question there.
    const last = call.prompt.findLast((message) => message.role === "user");
    const asked = last?.role === "user" ? last.content.map((part) => part.text).join("") : "";
    expect(asked.endsWith(question)).toBe(true);
    return { reply, system, asked, tools: call.tools };
  };
  const indexed = searchIndexed;
  const settings = (client: TestClient, change: Record<string, unknown>) =>
    client.patch<MemorySettings>("/api/memory/settings", change);

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-memory-"));
    // Qwen 2.5's template calls tools natively: replies with memory on are offered the remember tool.
    await writeTestModel(join(modelsDir, "tiny.gguf"), { contextLength: 4096, chatTemplate: "qwen2.5" });
    const wrapReplyModel = (model: LanguageModel): LanguageModel => ({
      provider: model.provider,
      modelId: model.modelId,
      contextWindow: () => model.contextWindow(),
      doStream(options) {
        calls.push({ prompt: [...options.prompt], tools: (options.tools ?? []).map((tool) => tool.name) });
        return model.doStream(options);
      },
    });
    server = await startTestServer(
      {
        modelsDir,
        engine: { gpu: "off", contextSize: 4096 },
        chat: { maxReplyTokens: 4 },
        search: { indexCheckMs: 50 },
      },
      { wrapReplyModel },
    );
    ada = await signedInAdmin(server);
    ({ client: bob } = await signedInUser(server, ada, {
      username: "bob",
      email: "bob@example.com",
      password: "bob's long password",
    }));
  });
  afterAll(async () => {
    await server?.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it("is off until its user turns it on: a reply then reads nothing and offers no remember tool", async () => {
    const read = await ada.get<MemorySettings>("/api/memory/settings");
    expect(read.body).toEqual({ enabled: false, autoSave: true, recallHistory: true, saved: 0, proposed: 0 });
    expect((await ada.post("/api/memories", { content: "Prefers metric units." })).status).toBe(201);
    const conversation = await createConversation(ada, { title: "Off" });
    const { reply, system, asked, tools } = await ask(ada, conversation, "How far is the moon?");
    expect(system).toBe("");
    expect(asked).toBe("How far is the moon?");
    expect(tools).toEqual([]);
    expect(reply.memoryUsed).toBeNull();
  });

  it("keeps, changes and deletes its user's memories, and refuses bad ones with a 400 that names them", async () => {
    const again = await ada.post<Memory>("/api/memories", { content: "  prefers METRIC units. " });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ content: "Prefers metric units.", status: "saved", source: "user" });
    for (const content of ["", " ", "two\nlines", "x".repeat(501), 42]) {
      const refused = await ada.post<{ code: string; issues: { field: string }[] }>("/api/memories", { content });
      expect(refused.status, JSON.stringify(content)).toBe(400);
      expect(refused.body.code).toBe("validation-failed");
      expect(refused.body.issues[0]?.field).toBe("content");
    }
    const added = await ada.post<Memory>("/api/memories", { content: "Has a cat named Miso." });
    expect(added.status).toBe(201);
    const changed = await ada.patch<Memory>(`/api/memories/${added.body.id}`, { content: "Has two cats." });
    expect(changed.body).toMatchObject({ id: added.body.id, content: "Has two cats." });
    const clash = await ada.patch<{ code: string; memoryId: string }>(`/api/memories/${added.body.id}`, {
      content: "PREFERS metric  units.",
    });
    expect(clash.status).toBe(409);
    expect(clash.body).toMatchObject({ code: "memory-exists", memoryId: again.body.id });
    const spaced = await ada.post<Memory>("/api/memories", { content: "Prefers   metric   units." });
    expect([spaced.status, spaced.body.id]).toEqual([200, again.body.id]);
    expect((await ada.patch(`/api/memories/${added.body.id}`, {})).status).toBe(400);
    expect((await ada.patch(`/api/memories/${added.body.id}`, { status: "proposed" })).status).toBe(400);
    expect((await ada.patch("/api/memories/not-a-uuid", { content: "x" })).status).toBe(400);

    const page = await ada.get<MemoryPage>("/api/memories?limit=1");
    expect(page.body.data.map((memory) => memory.content)).toEqual(["Has two cats."]);
    const next = await ada.get<MemoryPage>(`/api/memories?limit=1&cursor=${page.body.nextCursor}`);
    expect(next.body).toMatchObject({ data: [{ content: "Prefers metric units." }], nextCursor: null });
    expect((await ada.get<MemoryPage>("/api/memories?status=proposed")).body.data).toEqual([]);
    expect((await ada.get("/api/memories?status=forgotten")).status).toBe(400);

    // Another user's memory is not there for bob: not listed, not changed, not deleted.
    expect((await bob.get<MemoryPage>("/api/memories")).body.data).toEqual([]);
    const bobsPatch = await bob.patch<{ code: string }>(`/api/memories/${added.body.id}`, { content: "Mine now." });
    expect(bobsPatch.status).toBe(404);
    expect(bobsPatch.body.code).toBe("memory-not-found");
    expect((await bob.delete(`/api/memories/${added.body.id}`)).status).toBe(404);
    expect((await bob.delete("/api/memories")).body).toEqual({ deleted: 0 });
    expect((await bob.get<{ memories: unknown[] }>("/api/memories/export")).body.memories).toEqual([]);

    const exported = await ada.get<{ memories: Memory[]; settings: MemorySettings }>("/api/memories/export");
    expect(exported.headers.get("content-disposition")).toContain("attachment");
    expect(exported.body.memories.map((memory) => memory.content)).toEqual(["Prefers metric units.", "Has two cats."]);
    expect(exported.body.settings).toMatchObject({ enabled: false, saved: 2 });

    expect((await ada.delete(`/api/memories/${added.body.id}`)).status).toBe(204);
    expect((await ada.delete(`/api/memories/${added.body.id}`)).status).toBe(404);
    expect((await settings(ada, {})).status).toBe(400);
    expect((await settings(ada, { enabled: "yes" })).status).toBe(400);
  });

  it("saves a proposal when its user adds the same fact", async () => {
    const { rows } = await server.db.query<{ id: string }>(
      `INSERT INTO memories (user_id, content, status, source, created_at, updated_at)
       SELECT id, 'Plays the cello.', 'proposed', 'model', now(), now() FROM users WHERE username = 'bob' RETURNING id`,
    );
    const added = await bob.post<Memory>("/api/memories", { content: "plays the cello." });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({
      id: rows[0]?.id,
      status: "saved",
      source: "model",
      content: "Plays the cello.",
    });
    expect((await bob.delete(`/api/memories/${rows[0]?.id}`)).status).toBe(204);
  });

  it("keeps one fact once when it is sent many times at once", async () => {
    const sent = await Promise.all(
      Array.from({ length: 12 }, () => bob.post<Memory>("/api/memories", { content: "Works nights." })),
    );
    expect(sent.map((response) => response.status).sort()).toEqual([
      200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 201,
    ]);
    expect(new Set(sent.map((response) => response.body.id)).size).toBe(1);
    expect((await bob.delete<{ deleted: number }>("/api/memories")).body).toEqual({ deleted: 1 });
  });

  it("gives a reply the saved memories and the passages of the user's other conversations that fit the question", async () => {
    expect((await settings(ada, { enabled: true })).body).toMatchObject({ enabled: true, saved: 1 });
    const bread = await createConversation(ada, { title: "Bread" });
    await ask(ada, bread, "My sourdough starter is named Clint and lives in the fridge.");
    const bikes = await createConversation(ada, { title: "Bikes" });
    await ask(ada, bikes, "The bicycle chain squeaks when it rains.");
    const bobs = await createConversation(bob, { title: "Bob's bread" });
    await ask(bob, bobs, "My sourdough starter is called Doughboy.");
    await indexed(ada);
    await indexed(bob);

    const asking = await createConversation(ada, { title: "Asking" });
    const { reply, system, asked, tools } = await ask(ada, asking, "What name did I give my sourdough starter?");
    expect(system).toContain("- Prefers metric units.");
    expect(system).not.toContain("Clint");
    expect(asked).toMatch(/^\[Memory: passages of my earlier conversations/);
    expect(asked).toContain('From "Bread"');
    expect(asked).toContain("sourdough starter is named Clint");
    expect(system + asked).not.toContain("bicycle");
    expect(system + asked).not.toContain("Doughboy");
    expect(tools).toEqual(["remember"]);
    expect(reply.memoryUsed).toEqual([
      { type: "memory", memoryId: expect.any(String), content: "Prefers metric units." },
      expect.objectContaining({ type: "message", conversationId: bread, conversationTitle: "Bread" }),
    ]);
    const used = reply.memoryUsed?.[1];
    expect(used?.type === "message" && used.text).toContain("Clint");

    // Bob's memory is his own: his reply reads his conversation, none of ada's.
    await settings(bob, { enabled: true });
    const bobAsks = await createConversation(bob, { title: "Asking" });
    const bobs2 = await ask(bob, bobAsks, "What name did I give my sourdough starter?");
    expect(bobs2.asked).toContain("Doughboy");
    expect(bobs2.system + bobs2.asked).not.toContain("Clint");
    expect(bobs2.system + bobs2.asked).not.toContain("metric");
    expect(bobs2.reply.memoryUsed?.every((use) => use.type === "message" && use.conversationId === bobs)).toBe(true);
  });

  it("neither reads nor feeds memory in a temporary chat", async () => {
    const created = await ada.post<{ id: string; temporary: boolean }>("/api/conversations", { temporary: true });
    expect(created.status).toBe(201);
    expect(created.body.temporary).toBe(true);
    const secret = await ask(ada, created.body.id, "My sourdough starter was secretly renamed Bubbles.");
    expect(secret.system).toBe("");
    expect(secret.asked).toBe("My sourdough starter was secretly renamed Bubbles.");
    expect(secret.tools).toEqual([]);
    expect(secret.reply.memoryUsed).toBeNull();
    await indexed(ada);
    const later = await createConversation(ada, { title: "Later" });
    const { system, asked } = await ask(ada, later, "What is my sourdough starter called now?");
    expect(asked).toContain("Clint");
    expect(system + asked).not.toContain("Bubbles");
    expect((await ada.post("/api/conversations", { temporary: "yes" })).status).toBe(400);
  });

  it("reads memories alone without recall from history, and nothing of a deleted conversation", async () => {
    await settings(ada, { recallHistory: false });
    const first = await createConversation(ada, { title: "No history" });
    const noHistory = await ask(ada, first, "What name did I give my sourdough starter?");
    expect(noHistory.system).toContain("Prefers metric units.");
    expect(noHistory.asked).toBe("What name did I give my sourdough starter?");
    expect(noHistory.reply.memoryUsed).toEqual([expect.objectContaining({ type: "memory" })]);

    await settings(ada, { recallHistory: true });
    const conversations = await ada.get<{ data: { id: string; title: string }[] }>("/api/conversations?limit=200");
    for (const { id, title } of conversations.body.data) {
      if (title === "Bread") expect((await ada.delete(`/api/conversations/${id}`)).status).toBe(204);
    }
    const second = await createConversation(ada, { title: "After deleting" });
    const { system, asked } = await ask(ada, second, "What name did I give my sourdough starter?");
    expect(system + asked).not.toContain("named Clint and lives");
  });

  it("lets a reply go on without memory when recalling fails", async () => {
    await server.db.exec("ALTER TABLE memories RENAME TO memories_away");
    try {
      const conversation = await createConversation(ada, { title: "Recall fails" });
      const { reply, system } = await ask(ada, conversation, "Does this still answer?");
      expect(reply.memoryUsed).toBeNull();
      expect(system).toBe("");
    } finally {
      await server.db.exec("ALTER TABLE memories_away RENAME TO memories");
    }
  });

  it("deletes every memory at once, and reads nothing once turned off", async () => {
    const deleted = await ada.delete<{ deleted: number }>("/api/memories");
    expect(deleted.body).toEqual({ deleted: 1 });
    expect((await ada.get<MemorySettings>("/api/memory/settings")).body).toMatchObject({ saved: 0, proposed: 0 });
    await settings(ada, { enabled: false });
    const conversation = await createConversation(ada, { title: "Off again" });
    const { system, asked, tools, reply } = await ask(ada, conversation, "What name did I give my sourdough starter?");
    expect(system).toBe("");
    expect(asked).toBe("What name did I give my sourdough starter?");
    expect(tools).toEqual([]);
    expect(reply.memoryUsed).toBeNull();
  });
});

/**
 * The remember tool on the real engine: a test model that always calls a tool it is offered (the
 * grammar writes the arguments), so each reply with memory on proposes a fact, saved or kept for the
 * user as their setting says; a model that only emulates tool calls is not offered it.
 */
describe("the remember tool in replies", { timeout: 180_000 }, () => {
  let modelsDir: string;
  let server: TestServer;
  let ada: TestClient;

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-remember-"));
    await writeTestModel(join(modelsDir, "caller.gguf"), {
      chatTemplate: "qwen2.5",
      callsTools: true,
      contextLength: 8192,
    });
    await writeTestModel(join(modelsDir, "emulated.gguf"), { contextLength: 4096 });
    server = await startTestServer({
      modelsDir,
      engine: { gpu: "off", contextSize: 8192 },
      chat: { maxReplyTokens: 400, maxToolSteps: 2 },
    });
    ada = await signedInAdmin(server);
    await ada.patch("/api/memory/settings", { enabled: true, autoSave: false });
  });
  afterAll(async () => {
    await server?.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  const reply = async (model: string) => {
    const conversation = await createConversation(ada, { model });
    server.clock.advance(10);
    const exchange = await sendMessage(ada, conversation, "Remember that I like tea.");
    const settled = await settledReply(ada, conversation, exchange.assistantMessage.id);
    expect(settled.status, settled.error ?? "").toBe("done");
    return { conversation, reply: settled };
  };

  it("proposes what the model calls it with for the user to save, with automatic saving off", async () => {
    const { conversation, reply: written } = await reply("local/caller");
    const [call, result] = written.parts ?? [];
    expect(call).toMatchObject({ type: "tool-call", toolName: "remember" });
    expect(result).toMatchObject({ type: "tool-result", toolName: "remember", toolCallId: call?.toolCallId });
    const proposals = await ada.get<MemoryPage>("/api/memories?status=proposed");
    if (result?.type === "tool-result" && !result.isError) {
      expect(JSON.parse(result.output).status).toMatch(/^proposed/);
      expect(proposals.body.data).toEqual([
        expect.objectContaining({ source: "model", conversationId: conversation, messageId: written.id }),
      ]);
      const [proposal] = proposals.body.data;
      expect(proposal?.content).toMatch(/^\P{Cc}+$/u);
    } else {
      // The grammar wrote a fact the tool refused (empty once cleaned, or too long): nothing is kept.
      expect(proposals.body.data).toEqual([]);
    }
  });

  it("is not offered to a model that only emulates tool calls", async () => {
    const before = (await ada.get<MemorySettings>("/api/memory/settings")).body;
    const { reply: written } = await reply("local/emulated");
    expect(written.parts).toBeNull();
    const after = (await ada.get<MemorySettings>("/api/memory/settings")).body;
    expect(after.proposed + after.saved).toBe(before.proposed + before.saved);
  });
});
