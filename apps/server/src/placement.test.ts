/**
 * An engine node (the model's GGUF in its models dir) and an API-only node (none) on one PostgreSQL
 * database: the API node lists the engine node's models, and a reply asked for on the API node is
 * written on the engine node and streamed to the API node's clients. Runs where tests have a
 * PostgreSQL server (TEST_DATABASE_URL; CI's second pass).
 */
import { testDatabaseUrl } from "@hearth/db/testing";
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

  it("stops offering the model once the engine node has stopped, and says so on a send", async () => {
    const conversationId = (await onApi.post<{ id: string }>("/api/conversations", { title: "Gone", model: MODEL }))
      .body.id;
    engineNode.child.kill("SIGTERM");
    expect(await engineNode.exited).toBe(0);
    for (;;) {
      const models = await onApi.get<ModelList>("/api/models");
      if (!models.body.data.some((model) => model.id === MODEL)) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const sent = await onApi.post(`/api/conversations/${conversationId}/messages`, { content: "Anyone?" });
    expect(sent.status).toBe(422);
    expect(sent.body).toMatchObject({ code: "model-not-found" });
  }, 60_000);
});
