/**
 * An engine node (the model's GGUF in its models dir) and an API-only node (none) on one PostgreSQL
 * database: the API node lists the engine node's models, a reply asked for on the API node is
 * written on the engine node and streamed to the API node's clients, and a /v1 call on the API node
 * is sent on to a node that holds its model. Runs where tests have a PostgreSQL server
 * (TEST_DATABASE_URL; CI's second pass).
 */
import { openDatabase } from "@hearth/db";
import { testDatabaseUrl } from "@hearth/db/testing";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCluster, type TestCluster } from "./testing/cluster.ts";
import type { Message } from "./testing/conversations.ts";
import { EventRecorder } from "./testing/event-recorder.ts";
import type { HearthProcess } from "./testing/hearth-process.ts";
import { type ReceivedSpan, startOtlpReceiver } from "./testing/otlp-receiver.ts";
import { assembledText, endOf } from "./testing/reply-events.ts";
import { TestClient } from "./testing/test-client.ts";
import { ADMIN } from "./testing/test-server.ts";

const METRICS_TOKEN = "placement-test-metrics-token";
const MODEL = "local/tiny-chat";
const CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c";
const question = [{ role: "user" as const, content: "Tell me a story" }];

interface ModelList {
  data: { id: string; isAvailable: boolean }[];
}

/** Tokens a node's engine generated for the model, from its /metrics (0 when it generated none). */
async function tokensGenerated(node: HearthProcess): Promise<number> {
  const text = await (
    await fetch(`${node.url}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } })
  ).text();
  const match = new RegExp(`^hearth_tokens_generated_total\\{model="${MODEL}"\\} (\\S+)$`, "m").exec(text);
  return match === null ? 0 : Number(match[1]);
}

describe.runIf(testDatabaseUrl())("an engine node and an API-only node", () => {
  let cluster: TestCluster;
  let engineNode: HearthProcess;
  let apiNode: HearthProcess;
  let onApi: TestClient;
  /** The official client, on the API-only node. */
  let openai: OpenAI;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    cluster = await startCluster({
      nodes: 2,
      apiOnly: [1],
      env: {
        HEARTH_METRICS_TOKEN: METRICS_TOKEN,
        HEARTH_MODELS_LIST_CACHE_SECONDS: "1",
        HEARTH_CHAT_MAX_REPLY_TOKENS: "300",
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      },
    });
    [engineNode, apiNode] = cluster.nodes as [HearthProcess, HearthProcess];
    onApi = new TestClient(apiNode.url);
    expect((await onApi.post("/api/setup", ADMIN)).status).toBe(201);
    expect((await onApi.logIn(ADMIN.email, ADMIN.password)).status).toBe(200);
    const key = (await onApi.post<{ key: string }>("/api/api-keys", { name: "openai client" })).body.key;
    openai = new OpenAI({ apiKey: key, baseURL: `${apiNode.url}/v1`, maxRetries: 0 });
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await receiver?.close();
  });

  it("lists on the API-only node the models the engine node holds", async () => {
    const models = await onApi.get<ModelList>("/api/models");
    expect(models.body.data).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: MODEL, isAvailable: true })]),
    );
  });

  it("writes a reply asked for on the API-only node on the engine node, and streams it to the API node's clients", async () => {
    const conversationId = (await onApi.post<{ id: string }>("/api/conversations", { title: "Placed", model: MODEL }))
      .body.id;
    const following = await EventRecorder.follow(onApi, conversationId);
    const before = await tokensGenerated(engineNode);
    const sent = await onApi.post<{ assistantMessage: Message }>(
      `/api/conversations/${conversationId}/messages`,
      { content: "Tell me a story" },
      { headers: { traceparent: `00-${CALLER_TRACE}-b7ad6b7169203331-01` } },
    );
    expect(sent.status).toBe(202);
    const replyId = sent.body.assistantMessage.id;
    await following.waitFor((events) => endOf(events, replyId) !== undefined, 60_000);
    await following.close();
    expect(endOf(following.events, replyId)).toMatchObject({ status: "done" });
    const stored = await onApi.get<{ data: Message[] }>(`/api/conversations/${conversationId}/messages`);
    const reply = stored.body.data.find((message) => message.id === replyId);
    expect(reply?.content.length).toBeGreaterThan(0);
    expect(assembledText(following.events, replyId)).toBe(reply?.content);
    // Written by the engine node's llama.cpp, none by the API node (which has no model to run).
    expect(await tokensGenerated(engineNode)).toBeGreaterThan(before);
    expect(await tokensGenerated(apiNode)).toBe(0);
    // One trace across the two nodes: the engine node's reply span is the API node's request's child.
    const inTrace = (name: string) =>
      receiver.spans.find((span) => span.traceId === CALLER_TRACE && span.name === name) as ReceivedSpan | undefined;
    for (let waited = 0; inTrace("reply") === undefined && waited < 100; waited++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const request = inTrace("POST /api/conversations/:id/messages");
    const written = inTrace("reply");
    expect(written?.parentSpanId).toBe(request?.spanId);
    expect(written?.attributes["hearth.message_id"]).toBe(replyId);
    expect(written?.resource["service.instance.id"]).not.toBe(request?.resource["service.instance.id"]);
  }, 90_000);

  it("sends a /v1 call on the API-only node to the engine node, streamed or not, with the caller's request id", async () => {
    const before = await tokensGenerated(engineNode);
    const completion = await openai.chat.completions
      .create({ model: MODEL, messages: question, max_tokens: 8 }, { headers: { "X-Request-Id": "placed-call-1" } })
      .withResponse();
    expect(completion.data.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(completion.data.usage?.completion_tokens).toBeGreaterThan(0);
    expect(completion.response.headers.get("x-request-id")).toBe("placed-call-1");
    const stream = await openai.chat.completions.create({
      model: "tiny-chat",
      messages: question,
      max_tokens: 8,
      stream: true,
    });
    let streamed = "";
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      streamed += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(streamed.length).toBeGreaterThan(0);
    expect(finish).toBe("length");
    const embedded = await openai.embeddings.create({ model: MODEL, input: ["one", "two"] });
    expect(embedded.data).toHaveLength(2);
    const text = await openai.completions.create({ model: MODEL, prompt: "Once", max_tokens: 4 });
    expect(text.choices[0]?.text.length).toBeGreaterThan(0);
    const response = await openai.responses.create({ model: MODEL, input: "Hello", max_output_tokens: 16 });
    expect(response.status).toMatch(/completed|incomplete/);
    expect(await tokensGenerated(engineNode)).toBeGreaterThan(before);
    expect(await tokensGenerated(apiNode)).toBe(0);
  }, 60_000);

  it("loads the model on the engine node with settings an admin saved on the API-only node", async () => {
    const onEngine = new TestClient(engineNode.url);
    expect((await onEngine.logIn(ADMIN.email, ADMIN.password)).status).toBe(200);
    const settings = {
      contextSize: 256,
      gpuLayers: "auto",
      chatTemplate: "llama3",
      keepLoadedSeconds: null,
      systemPrompt: null,
      sampling: { maxOutputTokens: 2 },
    };
    const saved = await onApi.put(`/api/admin/model-settings/${encodeURIComponent(MODEL)}`, settings);
    expect(saved.status, saved.text).toBe(200);
    const held = async () =>
      (
        await onEngine.get<{ data: { id: string; state: string; contextSize: number; chatFormat: string }[] }>(
          "/api/admin/local-models",
        )
      ).body.data.find((model) => model.id === MODEL);
    // The engine node was told: the model it had loaded is dropped, to load with the new settings.
    await expect.poll(async () => (await held())?.state, { timeout: 10_000 }).toBe("not-loaded");
    const completion = await openai.chat.completions.create({ model: MODEL, messages: question });
    expect(completion.usage?.completion_tokens).toBe(2);
    expect(await held()).toMatchObject({ state: "loaded", contextSize: 256, chatFormat: "Llama 3" });
    expect((await onApi.delete(`/api/admin/model-settings/${encodeURIComponent(MODEL)}`)).status).toBe(204);
    await expect.poll(async () => (await held())?.state, { timeout: 10_000 }).toBe("not-loaded");
  }, 60_000);

  it("ends a key revoked on one node at once on the other, which answered from memory before", async () => {
    const created = (await onApi.post<{ key: string; id: string }>("/api/api-keys", { name: "short-lived" })).body;
    const onEngine = (key: string) =>
      fetch(`${engineNode.url}/api/auth/me`, { headers: { Authorization: `Bearer ${key}` } });
    expect((await onEngine(created.key)).status).toBe(200);
    expect((await onApi.delete(`/api/api-keys/${created.id}`)).status).toBe(204);
    // The notice crosses LISTEN/NOTIFY in a few milliseconds: well before the cache's 30 s.
    await expect.poll(async () => (await onEngine(created.key)).status, { timeout: 5000, interval: 50 }).toBe(401);
  }, 30_000);

  it("passes on the engine node's refusal, and never sends a call on twice", async () => {
    const refused = await openai.chat.completions.create({ model: MODEL, messages: question, n: 2 }).catch((e) => e);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("n");
    // A call that says it was sent on already runs here, where the model is not: unavailable, not sent again.
    const resent = await openai.chat.completions
      .create({ model: MODEL, messages: question }, { headers: { "Hearth-Forwarded-By": "another-node" } })
      .catch((e) => e);
    expect(resent).toBeInstanceOf(OpenAI.InternalServerError);
    expect(resent).toMatchObject({ status: 503, code: "model_unavailable" });
  }, 30_000);

  it("counts a call sent on once against the caller's limits, and stops the model when the caller leaves", async () => {
    const created = await onApi.post<{ id: string }>("/api/admin/users", {
      username: "placed",
      email: "placed@example.com",
      password: "placed password 1",
    });
    expect(created.status).toBe(201);
    expect((await onApi.patch(`/api/admin/users/${created.body.id}/limits`, { messagesPerMinute: 3 })).status).toBe(
      200,
    );
    const user = new TestClient(apiNode.url);
    await user.logIn("placed@example.com", "placed password 1");
    const key = (await user.post<{ key: string }>("/api/api-keys", { name: "limited" })).body.key;
    const limited = new OpenAI({ apiKey: key, baseURL: `${apiNode.url}/v1`, maxRetries: 0 });
    // The first call leaves after three chunks of a reply that could run to the end of the context.
    const before = await tokensGenerated(engineNode);
    const stream = await limited.chat.completions.create({ model: MODEL, messages: question, stream: true });
    let chunks = 0;
    for await (const _ of stream) if (++chunks === 3) break;
    // The engine node counts a call's tokens when it ends: at once when the abort reaches it.
    let generated = before;
    while (generated === before) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      generated = await tokensGenerated(engineNode);
    }
    expect(generated - before).toBeLessThan(1000);
    expect(
      (await limited.chat.completions.create({ model: MODEL, messages: question, max_tokens: 1 })).choices,
    ).toHaveLength(1);
    expect(
      (await limited.chat.completions.create({ model: MODEL, messages: question, max_tokens: 1 })).choices,
    ).toHaveLength(1);
    const fourth = await limited.chat.completions
      .create({ model: MODEL, messages: question, max_tokens: 1 })
      .catch((e) => e);
    expect(fourth).toBeInstanceOf(OpenAI.RateLimitError);
    expect((fourth as InstanceType<typeof OpenAI.RateLimitError>).headers.get("retry-after")).toMatch(/^\d+$/);
  }, 60_000);

  it("fails over from a holder killed -9 to another, and answers 503 when none can be reached", async () => {
    const second = await cluster.addNode();
    const db = await openDatabase({ kind: "postgres", url: cluster.databaseUrl });
    const holders = async () =>
      (await db.query<{ count: number }>("SELECT count(*)::int AS count FROM node_models WHERE model_id = 'tiny-chat'"))
        .rows[0]?.count;
    try {
      while ((await holders()) !== 2) await new Promise((resolve) => setTimeout(resolve, 100));
      // Its rows stay listed until they go stale: every call that picks it first goes on to the engine node.
      second.child.kill("SIGKILL");
      await second.exited;
      for (let call = 0; call < 6; call++) {
        const completion = await openai.chat.completions.create({ model: MODEL, messages: question, max_tokens: 1 });
        expect(completion.choices).toHaveLength(1);
      }
      // A node that stops takes its rows with it; the killed one's remain, and it refuses connections.
      engineNode.child.kill("SIGTERM");
      expect(await engineNode.exited).toBe(0);
      expect(await holders()).toBe(1);
      const unreachable = await openai.chat.completions.create({ model: MODEL, messages: question }).catch((e) => e);
      expect(unreachable).toMatchObject({ status: 503, code: "model_unavailable" });
      expect((unreachable as Error).message).toContain("cannot be reached");
    } finally {
      await db.close();
    }
  }, 90_000);

  it("stops offering the model once the nodes that held it are gone, and says so on a send", async () => {
    const conversationId = (await onApi.post<{ id: string }>("/api/conversations", { title: "Gone", model: MODEL }))
      .body.id;
    // The killed node's rows go stale (30 s after their last refresh).
    for (;;) {
      const models = await onApi.get<ModelList>("/api/models");
      if (!models.body.data.some((model) => model.id === MODEL)) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const sent = await onApi.post(`/api/conversations/${conversationId}/messages`, { content: "Anyone?" });
    expect(sent.status).toBe(422);
    expect(sent.body).toMatchObject({ code: "model-not-found" });
    const called = await openai.chat.completions.create({ model: MODEL, messages: question }).catch((e) => e);
    expect(called).toBeInstanceOf(OpenAI.NotFoundError);
  }, 60_000);
});
