import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConversation, sendMessage, settledReply } from "../testing/conversations.ts";
import { signedInAdmin, signedInUser, startTestServer, type TestClient, type TestServer } from "../testing/index.ts";
import { type OpenAiTestServer, startOpenAiTestServer, TEST_MODEL } from "../testing/openai-test-server.ts";

interface ModelEntry {
  id: string;
  provider: string;
  isAvailable: boolean;
  unavailableReason?: string;
}
interface ModelListBody {
  data: ModelEntry[];
  providers: { id: string; isAvailable: boolean; reason?: string }[];
}

/** A server that accepts connections and never answers: a provider that hangs. */
async function startSilentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A second Hearth is a real OpenAI-compatible server: Hearth A reaches its model through the
 * OpenAI-compatible provider, with the official `openai` client, over HTTP.
 */
describe("a remote OpenAI-compatible provider added by an admin", () => {
  let remote: OpenAiTestServer;
  let hearth: TestServer;
  let admin: TestClient;
  let silent: { url: string; close(): Promise<void> };
  const logLines: string[] = [];
  const remoteModel = `hearth-b/${TEST_MODEL}`;

  let isRemoteClosed = false;
  beforeAll(async () => {
    remote = await startOpenAiTestServer({ chat: { maxReplyTokens: 24 } });
    silent = await startSilentServer();
    hearth = await startTestServer(
      { modelsDir: "/nonexistent-models-dir", models: { listTimeoutSeconds: 1, listCacheSeconds: 2 } },
      { logLines },
    );
    admin = await signedInAdmin(hearth);
  });
  afterAll(async () => {
    await hearth.close();
    if (!isRemoteClosed) await remote.close();
    await silent.close();
  });

  it("is added with its API key, which no answer ever shows", async () => {
    const created = await admin.post("/api/admin/providers", {
      id: "hearth-b",
      kind: "openai-compatible",
      baseUrl: `${remote.server.url}/v1`,
      apiKey: remote.apiKey,
      timeoutSeconds: 5,
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ id: "hearth-b", hasApiKey: true });
    const listed = await admin.get("/api/admin/providers");
    for (const text of [created.text, listed.text, logLines.join("\n")]) expect(text).not.toContain(remote.apiKey);
    const tested = await admin.post("/api/admin/providers/hearth-b/test");
    expect(tested.status).toBe(200);
    expect(tested.body).toMatchObject({ ok: true, models: expect.arrayContaining([TEST_MODEL]) });
  });

  it("lists the remote models by their qualified ids, available", async () => {
    const models = await admin.get<ModelListBody>("/api/models");
    expect(models.status).toBe(200);
    expect(models.body.data).toContainEqual(
      expect.objectContaining({ id: remoteModel, provider: "hearth-b", isAvailable: true }),
    );
  });

  it("writes a reply with the remote model, streamed through the remote server's /v1", async () => {
    const conversationId = await createConversation(admin);
    const exchange = await sendMessage(admin, conversationId, "Hello over there", { model: remoteModel });
    expect(exchange.assistantMessage.model).toBe(remoteModel);
    const reply = await settledReply(admin, conversationId, exchange.assistantMessage.id);
    expect(reply).toMatchObject({ status: "done", error: null });
    expect(reply.content.length).toBeGreaterThan(0);
  });

  it("shows a provider that never answers as unavailable, with its reason, without breaking the list", async () => {
    const added = await admin.post("/api/admin/providers", {
      id: "hangs",
      kind: "openai-compatible",
      baseUrl: silent.url,
      timeoutSeconds: 1,
    });
    expect(added.status, added.text).toBe(201);
    const models = await admin.get<ModelListBody>("/api/models");
    expect(models.status).toBe(200);
    expect(models.body.providers).toContainEqual(
      expect.objectContaining({ id: "hangs", isAvailable: false, reason: expect.any(String) }),
    );
    expect(models.body.data).toContainEqual(expect.objectContaining({ id: remoteModel, isAvailable: true }));
    const conversationId = await createConversation(admin);
    const refused = await admin.post(`/api/conversations/${conversationId}/messages`, {
      content: "hi",
      model: "hangs/some-model",
    });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: "model-unavailable", model: "hangs/some-model" });
    expect((await admin.delete("/api/admin/providers/hangs")).status).toBe(204);
  });

  it("ends a reply as error with a readable reason when the provider goes down, then lists it unavailable", async () => {
    const conversationId = await createConversation(admin);
    // Listed just now, so the send finds the model available and the reply meets the closed server.
    await admin.get("/api/models");
    await remote.close();
    isRemoteClosed = true;
    const exchange = await sendMessage(admin, conversationId, "Are you there?", { model: remoteModel });
    const reply = await settledReply(admin, conversationId, exchange.assistantMessage.id);
    expect(reply.status).toBe("error");
    expect(reply.error).toMatch(/hearth-b.*unavailable/);
    // Once the listing is asked again (after listCacheSeconds), the models show why they cannot be used.
    let remoteEntry: ModelEntry | undefined;
    for (let attempt = 0; attempt < 100 && remoteEntry?.isAvailable !== false; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      remoteEntry = (await admin.get<ModelListBody>("/api/models")).body.data.find((model) => model.id === remoteModel);
    }
    expect(remoteEntry).toMatchObject({ isAvailable: false, unavailableReason: expect.stringMatching(/refused/i) });
  });

  it("refuses a provider URL that points at cloud metadata or link-local addresses", async () => {
    for (const baseUrl of ["http://169.254.169.254/v1", "http://[fe80::1]/v1", "http://metadata.google.internal/"]) {
      const refused = await admin.post("/api/admin/providers", { id: "meta", kind: "openai-compatible", baseUrl });
      // An address is refused by the body's validation (400); a name only once it resolves (422).
      expect([400, 422], `${baseUrl}: ${refused.text}`).toContain(refused.status);
      expect(refused.text).toMatch(/metadata|link-local/);
    }
  });

  it("lets only admins manage providers", async () => {
    const { client: user } = await signedInUser(hearth, admin, {
      username: "eve",
      email: "eve@example.com",
      password: "a long enough password",
    });
    expect((await user.get("/api/admin/providers")).status).toBe(403);
    const created = await user.post("/api/admin/providers", {
      id: "mine",
      kind: "ollama",
      baseUrl: "http://127.0.0.1:11434",
    });
    expect(created.status).toBe(403);
  });
});

/**
 * A provider that leads back to the same Hearth, directly or through a second one: each request to
 * a provider carries Hearth-Via, and a request that names the receiving installation is refused (508)
 * instead of asking itself for its models until the listing times out.
 */
describe("a provider that leads back to the same Hearth", () => {
  let hearth: TestServer;
  let admin: TestClient;
  let other: OpenAiTestServer;

  beforeAll(async () => {
    hearth = await startTestServer({ models: { listTimeoutSeconds: 30, listCacheSeconds: 0 } });
    admin = await signedInAdmin(hearth);
    other = await startOpenAiTestServer({ models: { listTimeoutSeconds: 30, listCacheSeconds: 0 } });
  });
  afterAll(async () => {
    await hearth.close();
    await other.close();
  });

  it("is refused at once when it points at the server itself, and says why", async () => {
    const key = await admin.post<{ key: string }>("/api/api-keys", { name: "itself" });
    const added = await admin.post("/api/admin/providers", {
      id: "itself",
      kind: "openai-compatible",
      baseUrl: `${hearth.url}/v1`,
      apiKey: key.body.key,
      timeoutSeconds: 30,
    });
    expect(added.status, added.text).toBe(201);
    const tested = await admin.post<{ ok: boolean; reason?: string }>("/api/admin/providers/itself/test");
    expect(tested.body).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/came back to the Hearth that sent it/),
    });
    const models = await admin.get<ModelListBody>("/api/models");
    expect(models.status).toBe(200);
    expect(models.body.providers).toContainEqual(
      expect.objectContaining({ id: "itself", isAvailable: false, reason: expect.stringMatching(/came back/) }),
    );
    expect((await admin.delete("/api/admin/providers/itself")).status).toBe(204);
  });

  it("ends a loop through a second Hearth at its first return", async () => {
    // This Hearth uses the other, and the other uses this one: A → B → A is refused by A.
    const ourKey = await admin.post<{ key: string }>("/api/api-keys", { name: "for the other" });
    const toOther = await admin.post("/api/admin/providers", {
      id: "other",
      kind: "openai-compatible",
      baseUrl: `${other.server.url}/v1`,
      apiKey: other.apiKey,
      timeoutSeconds: 30,
    });
    expect(toOther.status, toOther.text).toBe(201);
    const back = await other.admin.post("/api/admin/providers", {
      id: "back",
      kind: "openai-compatible",
      baseUrl: `${hearth.url}/v1`,
      apiKey: ourKey.body.key,
      timeoutSeconds: 30,
    });
    expect(back.status, back.text).toBe(201);

    const models = await admin.get<ModelListBody>("/api/models");
    expect(models.status).toBe(200);
    // The other Hearth's own model comes through; its provider leading back here did not answer a loop.
    expect(models.body.data).toContainEqual(
      expect.objectContaining({ id: `other/${TEST_MODEL}`, provider: "other", isAvailable: true }),
    );
    expect(models.body.data.some((model) => model.id.startsWith("other/back/"))).toBe(false);
  });
});
