/**
 * Per-model settings: admins see how this node's llama.cpp holds each local model and set how it
 * loads (context size, GPU layers, chat template, keep-loaded time) and what calls get by default
 * (sampling, a system prompt), through the API, with the real engine; what each call was sent is
 * recorded on the way in.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CallOptions, LanguageModel } from "@hearth/engine";
import { writeTestModel } from "@hearth/engine/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createConversation,
  sendMessage,
  settledReply,
  signedInAdmin,
  signedInUser,
  startTestServer,
  type TestClient,
  type TestServer,
} from "../testing/index.ts";

interface LocalModel {
  id: string;
  state: "not-loaded" | "loading" | "loaded";
  contextSize: number | null;
  gpuLayers: number | null;
  chatFormat: string | null;
  busy: number;
  unloadsAt: string | null;
  isStale: boolean;
  settings: Record<string, unknown>;
}
interface Listing {
  engine: { isRunning: boolean; gpu: string | false | null; gpuDevices: string[]; threads: number | null };
  data: LocalModel[];
}

const SETTINGS = "/api/admin/model-settings/local%2Ftiny";
const DEFAULTS = {
  contextSize: null,
  gpuLayers: "auto",
  chatTemplate: null,
  keepLoadedSeconds: null,
  systemPrompt: null,
  sampling: {},
};

describe("per-model settings", { timeout: 60_000 }, () => {
  let modelsDir: string;
  let server: TestServer;
  let admin: TestClient;
  let key: string;
  const calls: Omit<CallOptions, "abortSignal">[] = [];

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-model-settings-"));
    await writeTestModel(join(modelsDir, "tiny.gguf"));
    await writeTestModel(join(modelsDir, "other.gguf"), { seed: 2 });
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
    admin = await signedInAdmin(server);
    key = (await admin.post<{ key: string }>("/api/api-keys", { name: "v1" })).body.key;
  });
  afterAll(async () => {
    await server.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  const listing = async () => {
    const response = await admin.get<Listing>("/api/admin/local-models");
    expect(response.status, response.text).toBe(200);
    return response.body;
  };
  const tiny = async () => (await listing()).data.find((model) => model.id === "local/tiny") as LocalModel;
  const chat = async (body: Record<string, unknown>) => {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model: "local/tiny", ...body }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
  };

  it("lists this node's local models, not loaded until used, with the default settings", async () => {
    const listed = await listing();
    expect(listed.data.map((model) => model.id)).toEqual(["local/other", "local/tiny"]);
    expect(listed.data[1]).toMatchObject({ state: "not-loaded", contextSize: null, busy: 0, settings: DEFAULTS });
    expect((await admin.get(SETTINGS)).body).toEqual(DEFAULTS);
    // Bare ids and a `/` as is name the same model.
    expect((await admin.get("/api/admin/model-settings/tiny")).body).toEqual(DEFAULTS);
    expect((await admin.get("/api/admin/model-settings/local/tiny")).body).toEqual(DEFAULTS);
  });

  it("loads a model with its settings and shows how it holds it, the GPU in use included", async () => {
    const saved = await admin.put(SETTINGS, { ...DEFAULTS, contextSize: 256, chatTemplate: "llama3" });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body).toEqual({ ...DEFAULTS, contextSize: 256, chatTemplate: "llama3" });
    expect((await admin.post("/api/admin/local-models/load", { model: "local/tiny" })).status).toBe(200);
    const listed = await listing();
    expect(listed.engine).toMatchObject({ isRunning: true, gpu: false, gpuDevices: [], threads: expect.any(Number) });
    expect(listed.data[1]).toMatchObject({
      state: "loaded",
      contextSize: 256,
      gpuLayers: 0,
      chatFormat: "Llama 3",
      isStale: false,
      settings: { contextSize: 256, chatTemplate: "llama3" },
    });
    // The model list tells users the context they get.
    const models = await admin.get<{ data: { id: string; capabilities: { contextLength: number } }[] }>("/api/models");
    expect(models.body.data.find((model) => model.id === "local/tiny")?.capabilities.contextLength).toBe(256);
  });

  it("reloads a loaded model with changed settings, and puts it back to the defaults", async () => {
    expect((await admin.put(SETTINGS, { ...DEFAULTS, contextSize: 512 })).status).toBe(200);
    await expect.poll(async () => (await tiny()).state).toBe("not-loaded");
    await chat({ messages: [{ role: "user", content: "Hi" }], max_tokens: 1 });
    expect(await tiny()).toMatchObject({ state: "loaded", contextSize: 512, chatFormat: "ChatML" });
    expect((await admin.delete(SETTINGS)).status).toBe(204);
    expect((await admin.get(SETTINGS)).body).toEqual(DEFAULTS);
    expect((await tiny()).settings).toEqual(DEFAULTS);
  });

  it("gives calls the model's sampling and system prompt where they set none, in conversations and /v1", async () => {
    const systemPrompt = "Answer in French.";
    const sampling = { temperature: 0.3, topK: 7, maxOutputTokens: 3 };
    expect((await admin.put(SETTINGS, { ...DEFAULTS, systemPrompt, sampling })).status).toBe(200);

    const conversationId = await createConversation(admin, { model: "local/tiny" });
    const sent = await sendMessage(admin, conversationId, "Bonjour");
    const reply = await settledReply(admin, conversationId, sent.assistantMessage.id);
    expect(reply.status).toBe("done");
    // The reply's call, not the title's that goes on from its prompt.
    const isReplyTo = (text: string) => (call: (typeof calls)[number]) => {
      const last = call.prompt.at(-1);
      return last?.role === "user" && last.content.some((part) => part.type === "text" && part.text === text);
    };
    const replyCall = calls.findLast(isReplyTo("Bonjour"));
    expect(replyCall).toMatchObject({ temperature: 0.3, topK: 7, maxOutputTokens: 3 });
    expect(replyCall?.prompt[0]).toEqual({ role: "system", content: systemPrompt });
    // A conversation's own system prompt wins.
    const own = await createConversation(admin, { model: "local/tiny", systemPrompt: "Be brief." });
    const ownSent = await sendMessage(admin, own, "Hi");
    await settledReply(admin, own, ownSent.assistantMessage.id);
    const ownCall = calls.findLast(isReplyTo("Hi"));
    expect(ownCall?.prompt[0]).toEqual({ role: "system", content: "Be brief." });

    // /v1: the default system prompt takes room (more prompt tokens), the reply length is the default.
    const bare = await chat({ messages: [{ role: "user", content: "Hi" }] });
    expect(bare.usage.completion_tokens).toBe(3);
    const withOwnSystem = await chat({
      messages: [
        { role: "system", content: systemPrompt },
        { role: "user", content: "Hi" },
      ],
    });
    expect(withOwnSystem.usage.prompt_tokens).toBe(bare.usage.prompt_tokens);
    const asked = await chat({ messages: [{ role: "user", content: "Hi" }], max_tokens: 5 });
    expect(asked.usage.completion_tokens).toBe(5);
    expect((await admin.delete(SETTINGS)).status).toBe(204);
    const plain = await chat({ messages: [{ role: "user", content: "Hi" }], max_tokens: 1 });
    expect(plain.usage.prompt_tokens).toBeLessThan(bare.usage.prompt_tokens);
  });

  it("unloads a model once idle for its keep-loaded time, saying when", async () => {
    expect((await admin.put(SETTINGS, { ...DEFAULTS, keepLoadedSeconds: 1 })).status).toBe(200);
    await chat({ messages: [{ role: "user", content: "Hi" }], max_tokens: 1 });
    const loaded = await tiny();
    expect(loaded.state).toBe("loaded");
    expect(Date.parse(loaded.unloadsAt as string)).toBeGreaterThan(Date.now() - 5000);
    await expect.poll(async () => (await tiny()).state, { timeout: 10_000 }).toBe("not-loaded");
    expect((await admin.delete(SETTINGS)).status).toBe(204);
  });

  it("refuses invalid settings, naming the field, and stores nothing", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...DEFAULTS, contextSize: 10 }, "contextSize"],
      [{ ...DEFAULTS, contextSize: 1.5 }, "contextSize"],
      [{ ...DEFAULTS, gpuLayers: "max" }, "gpuLayers"],
      [{ ...DEFAULTS, gpuLayers: -1 }, "gpuLayers"],
      [{ ...DEFAULTS, keepLoadedSeconds: 0 }, "keepLoadedSeconds"],
      [{ ...DEFAULTS, sampling: { temperature: 3 } }, "sampling.temperature"],
      [{ ...DEFAULTS, sampling: { temprature: 1 } }, "sampling"],
      [{ ...DEFAULTS, systemPrompt: "x".repeat(16_001) }, "systemPrompt"],
      [{ ...DEFAULTS, systemPrompt: "bell\u0007" }, "systemPrompt"],
      [{ ...DEFAULTS, chatTemplate: "x".repeat(64_001) }, "chatTemplate"],
      [{ ...DEFAULTS, chatTemplate: "{% for message in messages %}" }, "chatTemplate"],
      [{ ...DEFAULTS, chatTemplate: "{{ raise_exception('no') }}" }, "chatTemplate"],
      [{ ...DEFAULTS, colour: "red" }, ""],
      [{ contextSize: 512 }, "gpuLayers"],
    ];
    for (const [body, field] of cases) {
      const response = await admin.put(SETTINGS, body);
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(response.body).toMatchObject({
        code: "validation-failed",
        issues: expect.arrayContaining([expect.objectContaining({ field })]),
      });
    }
    const malformed = await admin.request("PUT", SETTINGS, {
      body: "{not json",
      headers: { "Content-Type": "application/json" },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ code: "malformed-json" });
    expect((await admin.get(SETTINGS)).body).toEqual(DEFAULTS);
  });

  it("answers 404 for a model no node holds, and a name that cannot be one", async () => {
    for (const id of ["local%2Fabsent", "absent", "..%2F..%2Fetc", "local%2F.pulls", "%E0%A4%A", "openai%2Fgpt-4o"]) {
      for (const response of [
        await admin.get(`/api/admin/model-settings/${id}`),
        await admin.put(`/api/admin/model-settings/${id}`, DEFAULTS),
        await admin.delete(`/api/admin/model-settings/${id}`),
      ]) {
        expect(response.status, id).toBe(404);
        expect(response.body).toMatchObject({ code: "local-model-not-found" });
      }
    }
  });

  it("is for admins only", async () => {
    const { client: user } = await signedInUser(server, admin, {
      username: "bob",
      email: "bob@example.com",
      password: "bob password 1",
    });
    for (const response of [
      await user.get("/api/admin/local-models"),
      await user.get(SETTINGS),
      await user.put(SETTINGS, DEFAULTS),
      await user.delete(SETTINGS),
    ]) {
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ code: "admin-required" });
    }
    expect((await server.client().get("/api/admin/local-models")).status).toBe(401);
    expect((await admin.get(SETTINGS)).body).toEqual(DEFAULTS);
  });
});
