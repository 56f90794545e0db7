import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LanguageModel, PromptMessage } from "@hearth/engine";
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

interface Conversation {
  id: string;
  systemPrompt: string | null;
}

/**
 * A conversation's system prompt: stored, changed and cleared through the API, and read by the model
 * as the first message of every reply's prompt (the real engine; the prompts it is called with are
 * recorded on the way in).
 */
describe("a conversation's system prompt", { timeout: 60_000 }, () => {
  let modelsDir: string;
  let server: TestServer;
  let ada: TestClient;
  const prompts: PromptMessage[][] = [];

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-models-"));
    await writeTestModel(join(modelsDir, "tiny.gguf"));
    const wrapReplyModel = (model: LanguageModel): LanguageModel => ({
      provider: model.provider,
      modelId: model.modelId,
      contextWindow: () => model.contextWindow(),
      doStream(options) {
        prompts.push([...options.prompt]);
        return model.doStream(options);
      },
    });
    server = await startTestServer(
      { modelsDir, engine: { gpu: "off", contextSize: 512 }, chat: { maxReplyTokens: 8 } },
      { wrapReplyModel },
    );
    ada = await signedInAdmin(server);
  });
  afterAll(async () => {
    await server.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  const create = async (body: Record<string, unknown>) => {
    const created = await ada.post<Conversation>("/api/conversations", body);
    expect(created.status, created.text).toBe(201);
    return created.body;
  };
  /** Sends `content` and finds the reply's prompt: the one that ends with it (titling makes prompts too). */
  const lastPromptOf = async (conversationId: string, content: string) => {
    const exchange = await sendMessage(ada, conversationId, content);
    const reply = await settledReply(ada, conversationId, exchange.assistantMessage.id);
    const isReplyPrompt = (prompt: PromptMessage[]) => {
      const last = prompt.at(-1);
      return last?.role === "user" && last.content.some((part) => part.text === content);
    };
    return { reply, prompt: prompts.findLast(isReplyPrompt) ?? [] };
  };

  it("is stored at creation, shown, changed, and cleared by null or an empty text", async () => {
    const instructions = "You are a concise travel guide.\n\tAnswer in bullet points.";
    const created = await create({ systemPrompt: instructions });
    expect(created.systemPrompt).toBe(instructions);
    expect((await ada.get<Conversation>(`/api/conversations/${created.id}`)).body.systemPrompt).toBe(instructions);
    const listed = await ada.get<{ data: Conversation[] }>("/api/conversations");
    expect(listed.body.data.find((each) => each.id === created.id)?.systemPrompt).toBe(instructions);

    const changed = await ada.patch<Conversation>(`/api/conversations/${created.id}`, { systemPrompt: "Be brief." });
    expect(changed.body.systemPrompt).toBe("Be brief.");
    // A change of something else keeps it.
    const renamed = await ada.patch<Conversation>(`/api/conversations/${created.id}`, { title: "Lisbon" });
    expect(renamed.body.systemPrompt).toBe("Be brief.");
    for (const cleared of [null, "", "  \n "]) {
      await ada.patch(`/api/conversations/${created.id}`, { systemPrompt: "again" });
      const patched = await ada.patch<Conversation>(`/api/conversations/${created.id}`, { systemPrompt: cleared });
      expect(patched.status, patched.text).toBe(200);
      expect(patched.body.systemPrompt).toBeNull();
    }
    expect((await create({})).systemPrompt).toBeNull();
  });

  it("refuses what it cannot be, naming the field", async () => {
    const { id } = await create({});
    for (const systemPrompt of ["x".repeat(16_001), "null byte \u0000 here", "bell \u0007", 42, ["a"]]) {
      for (const attempt of [
        () => ada.post("/api/conversations", { systemPrompt }),
        () => ada.patch(`/api/conversations/${id}`, { systemPrompt }),
      ]) {
        const refused = await attempt();
        expect(refused.status, JSON.stringify(systemPrompt).slice(0, 40)).toBe(400);
        expect(refused.body).toMatchObject({
          code: "validation-failed",
          issues: expect.arrayContaining([expect.objectContaining({ field: "systemPrompt" })]),
        });
      }
    }
  });

  it("is another user's business only: their conversation is not found", async () => {
    const { id } = await create({ systemPrompt: "secret instructions" });
    const { client: bob } = await signedInUser(server, ada, {
      username: "bob",
      email: "bob@example.com",
      password: "bob's long password",
    });
    expect((await bob.patch(`/api/conversations/${id}`, { systemPrompt: "mine now" })).status).toBe(404);
    expect((await bob.get(`/api/conversations/${id}`)).status).toBe(404);
    expect((await ada.get<Conversation>(`/api/conversations/${id}`)).body.systemPrompt).toBe("secret instructions");
  });

  it("opens every reply's prompt, and is gone from it once cleared", async () => {
    const { id } = await create({ systemPrompt: "Answer like a pirate." });
    const first = await lastPromptOf(id, "Hello");
    expect(first.reply.status, first.reply.error ?? "").toBe("done");
    expect(first.prompt[0]).toEqual({ role: "system", content: "Answer like a pirate." });
    expect(first.prompt.filter((message) => message.role === "system")).toHaveLength(1);

    await ada.patch(`/api/conversations/${id}`, { systemPrompt: null });
    const second = await lastPromptOf(id, "And now?");
    expect(second.prompt.some((message) => message.role === "system")).toBe(false);
    expect(second.prompt.at(-1)).toMatchObject({ role: "user" });
  });

  it("titles a new conversation by going on from its first reply's prompt, which the engine holds", async () => {
    const { id } = await create({ systemPrompt: "Answer like a pirate." });
    const { reply } = await lastPromptOf(id, "Where is the treasure?");
    const isTitlePrompt = (prompt: PromptMessage[]) => {
      const last = prompt.at(-1);
      return last?.role === "user" && last.content.some((part) => part.text.startsWith("Write a title"));
    };
    for (let attempt = 0; attempt < 200 && !prompts.some(isTitlePrompt); attempt++)
      await new Promise((resolve) => setTimeout(resolve, 25));
    expect(prompts.findLast(isTitlePrompt)).toEqual([
      { role: "system", content: "Answer like a pirate." },
      { role: "user", content: [{ type: "text", text: "Where is the treasure?" }] },
      { role: "assistant", content: [{ type: "text", text: reply.content }] },
      { role: "user", content: [{ type: "text", text: expect.stringMatching(/^Write a title of at most six words/) }] },
    ]);
  });

  it("ends a reply as error, saying why, when the system prompt alone fills the model's context", async () => {
    const { id } = await create({ systemPrompt: "Follow these rules. ".repeat(700) });
    const exchange = await sendMessage(ada, id, "Hi");
    const reply = await settledReply(ada, id, exchange.assistantMessage.id);
    expect(reply.status).toBe("error");
    expect(reply.error).toMatch(/system prompt take \d+ tokens; this model reads at most \d+/);
  });
});
