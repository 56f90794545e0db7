import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CallOptions, LanguageModel } from "@hearth/engine";
import { writeTestModel } from "@hearth/engine/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  sendMessage,
  settledReply,
  signedInAdmin,
  signedInUser,
  startTestServer,
  type TestClient,
  type TestServer,
} from "../testing/index.ts";

interface Assistant {
  id: string;
  name: string;
  description: string | null;
  model: string | null;
  systemPrompt: string | null;
  sampling: Record<string, number>;
  tools: string[];
  isShared: boolean;
  canEdit: boolean;
}
interface Conversation {
  id: string;
  model: string | null;
  systemPrompt: string | null;
  sampling: Record<string, number>;
  tools: string[];
  assistantId: string | null;
}

const TINY_SETTINGS = "/api/admin/model-settings/local%2Ftiny";

/**
 * Assistants over real HTTP: who sees and changes which, what they refuse, and the conversations
 * started from them, down to the options the real engine's model is called with (recorded on the way in).
 */
describe("assistants", { timeout: 120_000 }, () => {
  let modelsDir: string;
  let server: TestServer;
  let ada: TestClient;
  let bob: TestClient;
  const calls: Omit<CallOptions, "abortSignal">[] = [];

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-assistants-"));
    await writeTestModel(join(modelsDir, "tiny.gguf"));
    const wrapReplyModel = (model: LanguageModel): LanguageModel => ({
      provider: model.provider,
      modelId: model.modelId,
      contextWindow: () => model.contextWindow(),
      doStream({ abortSignal, ...options }) {
        calls.push(options);
        return model.doStream({ ...options, ...(abortSignal ? { abortSignal } : {}) });
      },
    });
    server = await startTestServer(
      { modelsDir, engine: { gpu: "off", contextSize: 512 }, chat: { maxReplyTokens: 8 } },
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

  const create = async (client: TestClient, body: Record<string, unknown>) => {
    const created = await client.post<Assistant>("/api/assistants", body);
    expect(created.status, created.text).toBe(201);
    return created.body;
  };
  const listed = async (client: TestClient) =>
    (await client.get<{ data: Assistant[] }>("/api/assistants?limit=200")).body.data.map((each) => each.id);

  it("is made, shown, listed, changed in part and deleted by its owner", async () => {
    const made = await create(bob, {
      name: "  Travel guide ",
      description: "Plans city trips.",
      model: "local/tiny",
      systemPrompt: "You are a travel guide.\nAnswer in bullet points.",
      sampling: { temperature: 0.7, topK: null, maxOutputTokens: 64 },
      tools: ["calculator", "calculator"],
    });
    expect(made).toMatchObject({
      name: "Travel guide",
      description: "Plans city trips.",
      model: "local/tiny",
      systemPrompt: "You are a travel guide.\nAnswer in bullet points.",
      sampling: { temperature: 0.7, maxOutputTokens: 64 },
      tools: ["calculator"],
      isShared: false,
      canEdit: true,
    });
    expect((await bob.get<Assistant>(`/api/assistants/${made.id}`)).body).toEqual(made);
    expect(await listed(bob)).toContain(made.id);

    const changed = await bob.patch<Assistant>(`/api/assistants/${made.id}`, {
      name: "City guide",
      systemPrompt: null,
      sampling: { topP: 0.9 },
    });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body).toMatchObject({
      name: "City guide",
      description: "Plans city trips.",
      model: "local/tiny",
      systemPrompt: null,
      sampling: { topP: 0.9 },
      tools: ["calculator"],
    });

    expect((await bob.delete(`/api/assistants/${made.id}`)).status).toBe(204);
    expect((await bob.get(`/api/assistants/${made.id}`)).body).toMatchObject({ code: "assistant-not-found" });
    expect(await listed(bob)).not.toContain(made.id);
    expect((await bob.delete(`/api/assistants/${made.id}`)).status).toBe(404);
  });

  it("pages its list by cursor, with every assistant once", async () => {
    const { client: cy } = await signedInUser(server, ada, {
      username: "cy",
      email: "cy@example.com",
      password: "cy's long password",
    });
    const made: string[] = [];
    for (const name of ["one", "two", "three", "four", "five"]) made.push((await create(cy, { name })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? "" : `&cursor=${cursor}`;
      const page = await cy.get<{ data: Assistant[]; nextCursor: string | null }>(`/api/assistants?limit=2${query}`);
      expect(page.status, page.text).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((each) => each.id).filter((id) => made.includes(id)));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(seen).toHaveLength(made.length);
    expect(new Set(seen)).toEqual(new Set(made));
    const refused = await cy.get("/api/assistants?cursor=not-a-cursor");
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ issues: [expect.objectContaining({ field: "cursor" })] });
  });

  it("refuses what it cannot be with a 400 that names the field", async () => {
    const { id } = await create(bob, { name: "Valid" });
    const cases: [Record<string, unknown>, string][] = [
      [{ name: "" }, "name"],
      [{ name: "   " }, "name"],
      [{ name: "x".repeat(101) }, "name"],
      [{ name: "bell \u0007" }, "name"],
      [{ name: 42 }, "name"],
      [{ name: "ok", description: "x".repeat(501) }, "description"],
      [{ name: "ok", description: "line\nbreak" }, "description"],
      [{ name: "ok", model: "m".repeat(201) }, "model"],
      [{ name: "ok", systemPrompt: "x".repeat(16_001) }, "systemPrompt"],
      [{ name: "ok", systemPrompt: "null \u0000 byte" }, "systemPrompt"],
      [{ name: "ok", sampling: { temperature: 3 } }, "sampling.temperature"],
      [{ name: "ok", sampling: { topK: 1.5 } }, "sampling.topK"],
      [{ name: "ok", sampling: { temperature: "hot" } }, "sampling.temperature"],
      [{ name: "ok", sampling: { seed: 1 } }, "sampling"],
      [{ name: "ok", sampling: [] }, "sampling"],
      [{ name: "ok", tools: "calculator" }, "tools"],
      [{ name: "ok", tools: Array.from({ length: 65 }, () => "calculator") }, "tools"],
      [{ name: "ok", isShared: "yes" }, "isShared"],
      [{ name: "ok", system_prompt: "typo" }, ""],
    ];
    for (const [body, field] of cases) {
      const made = await bob.post("/api/assistants", body);
      expect(made.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(made.body).toMatchObject({
        code: "validation-failed",
        issues: expect.arrayContaining([expect.objectContaining({ field })]),
      });
      if (field === "name" && body.name !== 42) continue;
      const { name: _name, ...change } = body;
      if (Object.keys(change).length === 0) continue;
      const patched = await bob.patch(`/api/assistants/${id}`, change);
      expect(patched.status, `PATCH ${JSON.stringify(change).slice(0, 60)}`).toBe(400);
    }
    expect((await bob.post("/api/assistants", {})).body).toMatchObject({ issues: [{ field: "name" }] });
    expect((await bob.patch(`/api/assistants/${id}`, {})).status).toBe(400);
    expect((await bob.get("/api/assistants/not-a-uuid")).body).toMatchObject({ issues: [{ field: "id" }] });
    const unknownTool = await bob.post("/api/assistants", { name: "ok", tools: ["calculator", "shell"] });
    expect(unknownTool.status).toBe(422);
    expect(unknownTool.body).toMatchObject({ code: "unknown-tool", tools: ["shell"] });
    expect((await bob.patch(`/api/assistants/${id}`, { tools: ["shell"] })).status).toBe(422);
  });

  it("refuses pathological input with a 4xx, never a 5xx", async () => {
    const bodies = [
      JSON.stringify({ name: "deep", sampling: JSON.parse(`${'{"a":'.repeat(2000)}1${"}".repeat(2000)}`) }),
      JSON.stringify({ name: "x".repeat(3_000_000) }),
      JSON.stringify({ name: "many", tools: Array.from({ length: 100_000 }, (_, index) => `t${index}`) }),
      "{not json",
      JSON.stringify({ name: "proto", __proto__: { isShared: true }, constructor: { prototype: {} } }),
    ];
    for (const body of bodies) {
      const answered = await bob.request("POST", "/api/assistants", {
        body,
        headers: { "Content-Type": "application/json" },
      });
      expect(answered.status, body.slice(0, 40)).toBeGreaterThanOrEqual(400);
      expect(answered.status, body.slice(0, 40)).toBeLessThan(500);
    }
  });

  it("keeps a personal assistant its owner's: for anyone else it is not there, whatever they try", async () => {
    const secret = await create(ada, { name: "Ada's", systemPrompt: "secret instructions" });
    const path = `/api/assistants/${secret.id}`;
    expect(await listed(bob)).not.toContain(secret.id);
    for (const answered of [
      await bob.get(path),
      await bob.patch(path, { name: "mine now" }),
      await bob.delete(path),
      await bob.post("/api/conversations", { assistantId: secret.id }),
    ]) {
      expect(answered.status).toBe(404);
      expect(answered.body).toMatchObject({ code: "assistant-not-found", assistantId: secret.id });
      expect(answered.text).not.toContain("secret instructions");
    }
    // Admins too: a personal assistant is not theirs to see.
    const bobs = await create(bob, { name: "Bob's" });
    expect((await ada.get(`/api/assistants/${bobs.id}`)).status).toBe(404);
    expect((await ada.delete(`/api/assistants/${bobs.id}`)).status).toBe(404);
    expect((await ada.get<Assistant>(path)).body.systemPrompt).toBe("secret instructions");
  });

  it("lets only admins share one; everyone sees a shared one, only admins change or delete it", async () => {
    const shared = await create(ada, { name: "Team helper", isShared: true, systemPrompt: "Be helpful." });
    expect(shared).toMatchObject({ isShared: true, canEdit: true });
    expect(await listed(bob)).toContain(shared.id);
    const seen = await bob.get<Assistant>(`/api/assistants/${shared.id}`);
    expect(seen.body).toMatchObject({ name: "Team helper", isShared: true, canEdit: false });
    for (const refused of [
      await bob.patch(`/api/assistants/${shared.id}`, { name: "Bob's now" }),
      await bob.delete(`/api/assistants/${shared.id}`),
      await bob.post("/api/assistants", { name: "Mine for all", isShared: true }),
      await bob.patch(`/api/assistants/${(await create(bob, { name: "Bob's" })).id}`, { isShared: true }),
    ]) {
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ code: "admin-required" });
    }
    expect((await bob.get<Assistant>(`/api/assistants/${shared.id}`)).body.name).toBe("Team helper");

    const { client: dee } = await signedInUser(server, ada, {
      username: "dee",
      email: "dee@example.com",
      password: "dee's long password",
      role: "admin",
    });
    const edited = await dee.patch<Assistant>(`/api/assistants/${shared.id}`, { name: "Team helper 2" });
    expect(edited.status, edited.text).toBe(200);
    expect(edited.body).toMatchObject({ name: "Team helper 2", canEdit: true });
    expect((await dee.delete(`/api/assistants/${shared.id}`)).status).toBe(204);
    expect(await listed(bob)).not.toContain(shared.id);
  });

  it("starts a conversation with a copy of its settings, which later changes of it leave alone", async () => {
    const guide = await create(ada, {
      name: "Guide",
      model: "local/tiny",
      systemPrompt: "You are a guide.",
      sampling: { temperature: 1.2, topK: 9 },
      tools: ["calculator", "current_time"],
      isShared: true,
    });
    const started = await bob.post<Conversation>("/api/conversations", { assistantId: guide.id });
    expect(started.status, started.text).toBe(201);
    const copy = {
      assistantId: guide.id,
      model: "local/tiny",
      systemPrompt: "You are a guide.",
      sampling: { temperature: 1.2, topK: 9 },
      tools: ["calculator", "current_time"],
    };
    expect(started.body).toMatchObject(copy);

    // What the request gives itself wins over the assistant's.
    const own = await bob.post<Conversation>("/api/conversations", {
      assistantId: guide.id,
      systemPrompt: null,
      tools: [],
      sampling: { temperature: 0.1 },
    });
    expect(own.body).toMatchObject({
      assistantId: guide.id,
      model: "local/tiny",
      systemPrompt: null,
      tools: [],
      sampling: { temperature: 0.1 },
    });

    await ada.patch(`/api/assistants/${guide.id}`, { systemPrompt: "Changed.", sampling: {}, tools: [], model: null });
    expect((await bob.get<Conversation>(`/api/conversations/${started.body.id}`)).body).toMatchObject(copy);
    expect((await ada.delete(`/api/assistants/${guide.id}`)).status).toBe(204);
    expect((await bob.get<Conversation>(`/api/conversations/${started.body.id}`)).body).toMatchObject({
      ...copy,
      assistantId: null,
    });
    const gone = await bob.post("/api/conversations", { assistantId: guide.id });
    expect(gone.body).toMatchObject({ code: "assistant-not-found" });
    expect((await bob.post("/api/conversations", { assistantId: "nope" })).body).toMatchObject({
      issues: [{ field: "assistantId" }],
    });
  });

  it("gives replies the conversation's sampling over the model's defaults, option by option", async () => {
    const defaults = { temperature: 0.3, topK: 7, maxOutputTokens: 3 };
    const saved = await ada.put(TINY_SETTINGS, {
      contextSize: null,
      gpuLayers: "auto",
      chatTemplate: null,
      keepLoadedSeconds: null,
      systemPrompt: null,
      sampling: defaults,
    });
    expect(saved.status, saved.text).toBe(200);
    const bold = await create(bob, {
      name: "Bold",
      model: "local/tiny",
      sampling: { temperature: 1.5, maxOutputTokens: 5 },
    });
    const { body: conversation } = await bob.post<Conversation>("/api/conversations", { assistantId: bold.id });
    const replyCall = async (content: string) => {
      const sent = await sendMessage(bob, conversation.id, content);
      const reply = await settledReply(bob, conversation.id, sent.assistantMessage.id);
      expect(reply.status, reply.error ?? "").toBe("done");
      return calls.findLast((call) => {
        const last = call.prompt.at(-1);
        return last?.role === "user" && last.content.some((part) => part.text === content);
      });
    };
    expect(await replyCall("Hello")).toMatchObject({ temperature: 1.5, topK: 7, maxOutputTokens: 5 });

    const patched = await bob.patch<Conversation>(`/api/conversations/${conversation.id}`, { sampling: { topK: 2 } });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.sampling).toEqual({ topK: 2 });
    expect(await replyCall("And now?")).toMatchObject({ temperature: 0.3, topK: 2, maxOutputTokens: 3 });

    for (const sampling of [{ temperature: 9 }, { topP: 0 }, { seed: 1 }]) {
      const refused = await bob.patch(`/api/conversations/${conversation.id}`, { sampling });
      expect(refused.status, JSON.stringify(sampling)).toBe(400);
      expect(refused.body).toMatchObject({
        issues: [expect.objectContaining({ field: expect.stringMatching(/^sampling/) })],
      });
    }
    const plain = await bob.post<Conversation>("/api/conversations", { model: "local/tiny" });
    expect(plain.body).toMatchObject({ assistantId: null, sampling: {} });
  });

  it("refuses a 201st assistant of one person with a problem that says so", async () => {
    const { client: eve } = await signedInUser(server, ada, {
      username: "eve",
      email: "eve@example.com",
      password: "eve's long password",
    });
    for (let batch = 0; batch < 10; batch += 1) {
      await Promise.all(Array.from({ length: 20 }, (_, index) => create(eve, { name: `a${batch}-${index}` })));
    }
    const refused = await eve.post("/api/assistants", { name: "one too many" });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: "too-many-assistants", limit: 200 });
    // Someone else's count is their own.
    expect((await bob.post("/api/assistants", { name: "still fine" })).status).toBe(201);
  });
});
