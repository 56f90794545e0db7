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
import { sendMessage, streamReply } from "./stream-reply.ts";
import { unwrap } from "./unwrap.ts";

type CreateProviderInput = components["schemas"]["CreateProviderInput"];

describe("the SDK's client, against a real server", () => {
  let modelsDir: string;
  let server: TestServer;
  let admin: HearthClient;
  let model: string;
  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-models-"));
    await writeTestModel(join(modelsDir, "tiny-chat.gguf"));
    server = await startTestServer({
      modelsDir,
      engine: { gpu: "off", contextSize: 1024 },
      chat: { maxReplyTokens: 24 },
    });
    admin = createHearthClient({ baseUrl: server.url });
    expect(unwrap(await admin.api.GET("/api/setup")).isSetup).toBe(false);
    unwrap(await admin.api.POST("/api/setup", { body: ADMIN }));
    unwrap(await admin.api.POST("/api/auth/login", { body: { email: ADMIN.email, password: ADMIN.password } }));
    const models = unwrap(await admin.api.GET("/api/models"));
    model = (models.data.find((listed) => listed.isAvailable) ?? models.data[0])?.id as string;
  });
  afterAll(async () => {
    await server.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it("signs in by password and keeps the session's cookie and CSRF token, as a browser would", async () => {
    expect(admin.session.cookies.size).toBe(1);
    expect(admin.session.csrfToken).toEqual(expect.any(String));
    const me = unwrap(await admin.api.GET("/api/auth/me"));
    expect(me).toMatchObject({ user: { email: ADMIN.email, role: "admin" }, csrfToken: admin.session.csrfToken });
    // A mutation carries the CSRF token by itself; without it the server refuses.
    const created = unwrap(await admin.api.POST("/api/conversations", { body: { title: "With CSRF" } }));
    expect(created.title).toBe("With CSRF");
    const token = admin.session.csrfToken;
    admin.session.csrfToken = undefined;
    const refused = await admin.api.POST("/api/conversations", { body: {} });
    admin.session.csrfToken = token;
    expect(refused.error?.code).toBe("csrf-token-invalid");
  });

  it("signs out, after which the session is gone", async () => {
    const other = createHearthClient({ baseUrl: server.url });
    unwrap(await other.api.POST("/api/auth/login", { body: { email: ADMIN.email, password: ADMIN.password } }));
    await other.api.POST("/api/auth/logout");
    expect(other.session.cookies.size).toBe(0);
    const me = await other.api.GET("/api/auth/me");
    expect(me.error?.code).toBe("unauthenticated");
  });

  it("authenticates by API key, and the key's listing and revocation", async () => {
    const created = unwrap(await admin.api.POST("/api/api-keys", { body: { name: "sdk" } }));
    const byKey = createHearthClient({ baseUrl: server.url, apiKey: created.key });
    const me = unwrap(await byKey.api.GET("/api/auth/me"));
    expect(me).toMatchObject({ user: { email: ADMIN.email }, csrfToken: null });
    // No CSRF token is needed with a key.
    unwrap(await byKey.api.POST("/api/conversations", { body: { title: "By key" } }));
    const keys = unwrap(await admin.api.GET("/api/api-keys"));
    expect(keys.data.map((key) => key.name)).toContain("sdk");
    await admin.api.DELETE("/api/api-keys/{id}", { params: { path: { id: created.id } } });
    const revoked = await byKey.api.GET("/api/auth/me");
    expect(revoked.error?.code).toBe("unauthenticated");
  });

  it("answers a typed problem: another user's conversation is not found, an unknown model is 422", async () => {
    const email = "bo@example.com";
    unwrap(
      await admin.api.POST("/api/admin/users", { body: { username: "bo", email, password: "bo's long password" } }),
    );
    const bo = createHearthClient({ baseUrl: server.url });
    unwrap(await bo.api.POST("/api/auth/login", { body: { email, password: "bo's long password" } }));
    const mine = unwrap(await admin.api.POST("/api/conversations", { body: { title: "Mine" } }));

    const result = await bo.api.GET("/api/conversations/{id}", { params: { path: { id: mine.id } } });
    expect(result.response.status).toBe(404);
    expect(result.error?.code).toBe("conversation-not-found");
    // The code narrows to what this operation declares.
    expectTypeOf<NonNullable<typeof result.error>["code"]>().toEqualTypeOf<
      | "conversation-not-found"
      | "internal-error"
      | "node-draining"
      | "payload-too-large"
      | "service-starting"
      | "unauthenticated"
      | "validation-failed"
    >();
    const thrown = await bo.api
      .GET("/api/conversations/{id}", { params: { path: { id: mine.id } } })
      .then(unwrap)
      .catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(HearthError);
    expect(isHearthError(thrown, "conversation-not-found")).toBe(true);
    expect(thrown).toMatchObject({ code: "conversation-not-found", status: 404 });

    const unknown = await admin.api.POST("/api/conversations/{id}/messages", {
      params: { path: { id: mine.id } },
      body: { content: "Hello", model: "local/no-such-model" },
    });
    expect(unknown.response.status).toBe(422);
    expect(unknown.error?.code).toBe("model-not-found");
  });

  it("manages conversations: create, list page by page, read, update, delete and restore", async () => {
    for (const title of ["a", "b", "c"]) unwrap(await admin.api.POST("/api/conversations", { body: { title } }));
    const titles: string[] = [];
    for await (const conversation of paginate((cursor) =>
      admin.api.GET("/api/conversations", { params: { query: { limit: 2, ...(cursor ? { cursor } : {}) } } }),
    )) {
      titles.push(conversation.title);
    }
    expect(titles).toEqual(expect.arrayContaining(["a", "b", "c"]));
    expect(new Set(titles).size).toBe(titles.length);

    const created = unwrap(await admin.api.POST("/api/conversations", { body: { title: "Draft", model } }));
    const path = { params: { path: { id: created.id } } };
    expect(unwrap(await admin.api.GET("/api/conversations/{id}", path)).title).toBe("Draft");
    const renamed = unwrap(await admin.api.PATCH("/api/conversations/{id}", { ...path, body: { title: "Final" } }));
    expect(renamed.title).toBe("Final");
    await admin.api.DELETE("/api/conversations/{id}", path);
    expect((await admin.api.GET("/api/conversations/{id}", path)).error?.code).toBe("conversation-not-found");
    unwrap(await admin.api.POST("/api/conversations/{id}/restore", path));
    expect(unwrap(await admin.api.GET("/api/conversations/{id}", path)).title).toBe("Final");
  });

  it("sends a message and streams its reply, then edits, regenerates, cancels and switches branches", async () => {
    const conversation = unwrap(await admin.api.POST("/api/conversations", { body: { title: "Chat", model } }));
    const id = conversation.id;
    const reply = await sendMessage(admin, id, { content: "Hello" });
    const replyId = reply.started.assistantMessage.id;
    let text = "";
    const types: string[] = [];
    for await (const event of reply.events) {
      types.push(event.type);
      if (event.type === "message.delta") text += event.data.delta;
    }
    expect(types.at(-1)).toBe("message.done");
    const tree = unwrap(await admin.api.GET("/api/conversations/{id}/tree", { params: { path: { id } } }));
    const stored = tree.data.find((message) => message.id === replyId);
    expect(stored?.content).toBe(text);
    expect(stored?.status).toBe("done");

    const regenerated = await streamReply(admin, id, async () =>
      unwrap(await admin.api.POST("/api/messages/{id}/regenerate", { params: { path: { id: replyId } }, body: {} })),
    );
    for await (const event of regenerated.events) types.push(event.type);
    expect(types.at(-1)).toBe("message.done");

    const questionId = reply.started.userMessage.id;
    const edited = await streamReply(admin, id, async () =>
      unwrap(
        await admin.api.PATCH("/api/messages/{id}", { params: { path: { id: questionId } }, body: { content: "Hi" } }),
      ),
    );
    for await (const event of edited.events) types.push(event.type);
    expect(types.at(-1)).toBe("message.done");

    const cancelling = await sendMessage(admin, id, { content: "And then?" });
    const cancelled = unwrap(
      await admin.api.POST("/api/messages/{id}/cancel", {
        params: { path: { id: cancelling.started.assistantMessage.id } },
      }),
    );
    expect(["cancelled", "done"]).toContain(cancelled.assistantMessage.status);
    for await (const event of cancelling.events) types.push(event.type);
    expect(types.at(-1)).toBe("message.done");

    const path = unwrap(await admin.api.POST("/api/messages/{id}/activate", { params: { path: { id: replyId } } }));
    expect(path.data.at(-1)?.id).toBe(replyId);
    const messages = unwrap(await admin.api.GET("/api/conversations/{id}/messages", { params: { path: { id } } }));
    expect(messages.data.map((message) => message.id)).toContain(replyId);
  });

  it("lists models, tools and the caller's limits", async () => {
    const models = unwrap(await admin.api.GET("/api/models"));
    expect(models.data.map((listed) => listed.id)).toContain(model);
    const tools = unwrap(await admin.api.GET("/api/tools"));
    expect(tools.data.length).toBeGreaterThan(0);
    const limits = unwrap(await admin.api.GET("/api/limits"));
    expect(limits).toBeDefined();
  });

  it("administers users and their limits", async () => {
    const created = unwrap(
      await admin.api.POST("/api/admin/users", {
        body: { username: "cy", email: "cy@example.com", password: "cy's long password" },
      }),
    );
    const path = { params: { path: { id: created.id } } };
    const users: string[] = [];
    for await (const user of paginate((cursor) =>
      admin.api.GET("/api/admin/users", { params: { query: { limit: 1, ...(cursor ? { cursor } : {}) } } }),
    )) {
      users.push(user.username);
    }
    expect(users).toEqual(expect.arrayContaining(["ada", "cy"]));
    expect(unwrap(await admin.api.PATCH("/api/admin/users/{id}", { ...path, body: { disabled: true } })).disabled).toBe(
      true,
    );
    unwrap(await admin.api.GET("/api/admin/users/{id}/limits", path));
    unwrap(await admin.api.PATCH("/api/admin/users/{id}/limits", { ...path, body: { conversationsPerMinute: 5 } }));
  });

  it("administers model providers", async () => {
    const key = unwrap(await admin.api.POST("/api/api-keys", { body: { name: "loopback provider" } }));
    // enabled and timeoutSeconds have defaults: the request body's type leaves them out, as the server does.
    expectTypeOf<{ id: string; kind: "ollama"; baseUrl: string }>().toExtend<CreateProviderInput>();
    expectTypeOf<CreateProviderInput["enabled"]>().toEqualTypeOf<boolean | undefined>();
    const created = unwrap(
      await admin.api.POST("/api/admin/providers", {
        body: { id: "loopback", kind: "openai-compatible", baseUrl: `${server.url}/v1`, apiKey: key.key },
      }),
    );
    expect(created).toMatchObject({
      id: "loopback",
      hasApiKey: true,
      source: "admin",
      enabled: true,
      timeoutSeconds: 30,
    });
    const path = { params: { path: { id: "loopback" } } };
    expect(unwrap(await admin.api.GET("/api/admin/providers")).data.map((provider) => provider.id)).toContain(
      "loopback",
    );
    expect(unwrap(await admin.api.GET("/api/admin/providers/{id}", path)).kind).toBe("openai-compatible");
    // A provider leading back to the same Hearth is refused at its first return (Hearth-Via): the test says why.
    const tested = unwrap(await admin.api.POST("/api/admin/providers/{id}/test", path));
    expect(tested).toMatchObject({
      ok: false,
      reason: expect.stringContaining("came back to the Hearth that sent it"),
    });
    unwrap(await admin.api.PATCH("/api/admin/providers/{id}", { ...path, body: { enabled: false } }));
    await admin.api.DELETE("/api/admin/providers/{id}", path);
    expect((await admin.api.GET("/api/admin/providers/{id}", path)).error?.code).toBe("provider-not-found");
  });

  it("makes assistants, starts conversations from them, and reads a conversation's summaries", async () => {
    const assistant = unwrap(
      await admin.api.POST("/api/assistants", {
        body: { name: "SDK guide", systemPrompt: "Be brief.", sampling: { temperature: 0.3 } },
      }),
    );
    expectTypeOf(assistant.sampling.temperature).toEqualTypeOf<number | null | undefined>();
    const names = [];
    for await (const each of paginate((cursor) =>
      admin.api.GET("/api/assistants", { params: { query: { limit: 1, ...(cursor ? { cursor } : {}) } } }),
    ))
      names.push(each.name);
    expect(names).toContain("SDK guide");
    const conversation = unwrap(
      await admin.api.POST("/api/conversations", { body: { assistantId: assistant.id, contextStrategy: "summarize" } }),
    );
    expect(conversation).toMatchObject({
      assistantId: assistant.id,
      systemPrompt: "Be brief.",
      sampling: { temperature: 0.3 },
      contextStrategy: "summarize",
    });
    expectTypeOf(conversation.contextStrategy).toEqualTypeOf<"drop-oldest" | "summarize">();
    const path = { params: { path: { id: conversation.id } } };
    expect(unwrap(await admin.api.GET("/api/conversations/{id}/summaries", path))).toEqual({
      data: [],
      nextCursor: null,
    });
    const missing = await admin.api.GET("/api/conversations/{id}/summaries/{summaryId}", {
      params: { path: { id: conversation.id, summaryId: assistant.id } },
    });
    expect(missing.error?.code).toBe("summary-not-found");
    unwrap(await admin.api.DELETE("/api/assistants/{id}", { params: { path: { id: assistant.id } } }));
    const kept = unwrap(await admin.api.GET("/api/conversations/{id}", path));
    expect(kept).toMatchObject({ assistantId: null, systemPrompt: "Be brief." });
  });
});
