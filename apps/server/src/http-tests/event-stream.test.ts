import { mkdtemp, rm } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pruneEvents } from "@hearth/core";
import type { LanguageModel } from "@hearth/engine";
import { writeTestModel } from "@hearth/engine/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assembledText,
  createConversation,
  EventRecorder,
  EventStreamClient,
  endOf,
  type ServerSentEvent,
  sendMessage,
  settledReply,
  signedInAdmin,
  startTestServer,
  storedMessage,
  type TestClient,
  type TestServer,
} from "../testing/index.ts";

let modelsDir: string;
beforeAll(async () => {
  modelsDir = await mkdtemp(join(tmpdir(), "hearth-models-"));
  await writeTestModel(join(modelsDir, "tiny-chat.gguf"));
});
afterAll(() => rm(modelsDir, { recursive: true, force: true }));

const ids = (events: readonly ServerSentEvent[]) => events.map((event) => Number(event.id));

const newConversation = (client: TestClient) => createConversation(client, { title: "Streaming" });
const send = (client: TestClient, conversationId: string, content: string) =>
  sendMessage(client, conversationId, content);

describe("the event stream", () => {
  let server: TestServer;
  let ada: TestClient;
  beforeAll(async () => {
    server = await startTestServer({
      modelsDir,
      engine: { gpu: "off", contextSize: 1024 },
      chat: { maxReplyTokens: 400, heartbeatSeconds: 1, streamStallSeconds: 1, streamBufferBytes: 64 * 1024 },
    });
    ada = await signedInAdmin(server);
  });
  afterAll(() => server.close());

  it("is served for proxies: no-cache, no-transform, no buffering, and a heartbeat comment", async () => {
    const conversationId = await newConversation(ada);
    const stream = await EventStreamClient.open(ada, `/api/conversations/${conversationId}/events`);
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(stream.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(stream.headers.get("x-accel-buffering")).toBe("no");
    const deadline = Date.now() + 5000;
    while (!stream.comments.includes("heartbeat") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(stream.comments).toContain("heartbeat");
    await stream.close();
  });

  it("resumes after a disconnect mid-reply with Last-Event-ID: no gap, no duplicate, the stored text", async () => {
    const conversationId = await newConversation(ada);
    const first = await EventStreamClient.open(ada, `/api/conversations/${conversationId}/events`);
    const exchange = await send(ada, conversationId, "Tell me everything");
    const replyId = exchange.assistantMessage.id;
    await first.waitFor((events) => events.filter((event) => event.event === "message.delta").length >= 2);
    await first.close();
    const resumeFrom = first.lastEventId as string;
    expect(endOf(first.events, replyId)).toBeUndefined();
    // Opened without Last-Event-ID, the stream said first where it started: before any event.
    const [opened, ...heard] = first.events;
    expect(opened).toEqual({ id: "0", event: "stream.opened", data: JSON.stringify({ lastEventId: 0 }) });

    // Reconnect a little later, as a browser would, from the last id it saw.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await EventStreamClient.open(ada, `/api/conversations/${conversationId}/events`, resumeFrom);
    await second.waitFor((events) => endOf(events, replyId) !== undefined);
    await second.close();

    const all = [...heard, ...second.events];
    const allIds = ids(all);
    expect(allIds).toEqual(Array.from({ length: allIds.length }, (_, index) => index + 1));
    const stored = await storedMessage(ada, conversationId, replyId);
    expect(stored.status).toBe("done");
    expect(assembledText(all, replyId)).toBe(stored.content);
    expect(assembledText(second.events, replyId).length).toBeGreaterThan(0);
  });

  it("replays everything kept for Last-Event-ID: 0, and tells a client whose events are gone to refetch", async () => {
    const conversationId = await newConversation(ada);
    const live = await EventStreamClient.open(ada, `/api/conversations/${conversationId}/events`);
    const exchange = await send(ada, conversationId, "Hi");
    await live.waitFor((events) => endOf(events, exchange.assistantMessage.id) !== undefined);
    await live.close();

    const replay = await EventStreamClient.open(ada, `/api/conversations/${conversationId}/events`, "0");
    const logged = live.events.filter((event) => event.event !== "stream.opened");
    await replay.waitFor((events) => events.length >= logged.length);
    await replay.close();
    expect(replay.events).toEqual(logged);

    // Past the retention period the log is pruned: a client that missed those events must reload.
    server.clock.advance(25 * 3600);
    await pruneEvents(server.db, new Date(server.clock.now().getTime() - 24 * 3600 * 1000));
    const lastId = Number(live.lastEventId);
    for (const from of ["0", "1", String(lastId + 5)]) {
      const stale = await EventStreamClient.open(ada, `/api/conversations/${conversationId}/events`, from);
      const [event] = await stale.waitFor((events) => events.length >= 1);
      await stale.close();
      expect(event).toEqual({ id: String(lastId), event: "conversation.refetch", data: expect.any(String) });
    }
    // A client that has everything is not sent anything to catch up on.
    const current = await EventStreamClient.open(ada, `/api/conversations/${conversationId}/events`, String(lastId));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await current.close();
    expect(current.events).toEqual([]);
  });
});

describe("a client that stops reading", () => {
  let server: TestServer;
  let ada: TestClient;
  let bigModelsDir: string;
  beforeAll(async () => {
    // A context large enough that the big questions below pass the byte bound at the send (they are
    // stored, then found too long while counted), so the event log fills with megabytes.
    bigModelsDir = await mkdtemp(join(tmpdir(), "hearth-models-"));
    await writeTestModel(join(bigModelsDir, "tiny-chat.gguf"), { contextLength: 32_768 });
    server = await startTestServer({
      modelsDir: bigModelsDir,
      engine: { gpu: "off", contextSize: 32_768 },
      chat: { maxReplyTokens: 400, heartbeatSeconds: 1, streamStallSeconds: 1, streamBufferBytes: 64 * 1024 },
    });
    ada = await signedInAdmin(server);
  });
  afterAll(async () => {
    await server.close();
    await rm(bigModelsDir, { recursive: true, force: true });
  });

  it("disconnects a client that stops reading, without slowing another client or the reply", async () => {
    const conversationId = await newConversation(ada);
    // More than the kernel's socket buffers (≈4 MB on loopback) can hide: 24 large questions. Each is
    // too long for the model's context, so its reply ends at once in a readable error.
    for (let index = 0; index < 24; index++) {
      const exchange = await send(ada, conversationId, `${index} ${"lorem ipsum ".repeat(16_000)}`);
      await settledReply(ada, conversationId, exchange.assistantMessage.id);
    }
    const slow = await rawEventStream(server.url, ada, `/api/conversations/${conversationId}/events`, "0");
    const fast = await EventRecorder.follow(ada, conversationId);
    const exchange = await send(ada, conversationId, "A short question");
    await fast.waitFor((events) => endOf(events, exchange.assistantMessage.id) !== undefined);
    await fast.close();
    expect(endOf(fast.events, exchange.assistantMessage.id)).toMatchObject({ status: "done" });
    expect(assembledText(fast.events, exchange.assistantMessage.id)).toBe(
      (await storedMessage(ada, conversationId, exchange.assistantMessage.id)).content,
    );

    // The server gives up on the slow client within the stall timeout (1 s here)...
    let metrics = "";
    for (let attempt = 0; attempt < 100 && !/reason="slow-client"\} 1/.test(metrics); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      metrics = await server.metricsText();
    }
    expect(metrics).toMatch(/hearth_sse_streams_closed_total\{reason="slow-client"\} 1/);
    // ...and drops its connection: reading what the kernel still holds reaches the end of the stream.
    slow.socket.resume();
    await slow.closed;
    expect(metrics).toMatch(/hearth_sse_streams_active 0/);
    expect(metrics).toMatch(/hearth_tokens_generated_total\{model="local\/tiny-chat"\} \d+/);
    expect(metrics).toMatch(/hearth_generation_queue_depth 0/);
  });
});

describe("a model error in the middle of a reply", () => {
  let server: TestServer;
  let ada: TestClient;
  let failAfterDeltas: number | undefined;
  beforeAll(async () => {
    // The real engine, with a failure injected after a few deltas: the one scripted part of these tests.
    const wrapReplyModel = (model: LanguageModel): LanguageModel => ({
      provider: model.provider,
      modelId: model.modelId,
      contextWindow: () => model.contextWindow(),
      async *doStream(options) {
        let deltas = 0;
        for await (const part of model.doStream(options)) {
          yield part;
          if (part.type === "text-delta" && ++deltas === failAfterDeltas) throw new Error("the GPU fell off the bus");
        }
      },
    });
    server = await startTestServer(
      { modelsDir, engine: { gpu: "off", contextSize: 512 }, chat: { maxReplyTokens: 64 } },
      { wrapReplyModel },
    );
    ada = await signedInAdmin(server);
  });
  afterAll(() => server.close());

  it("ends the reply as error with a readable reason and its partial text; the conversation goes on", async () => {
    const conversationId = await newConversation(ada);
    const stream = await EventRecorder.follow(ada, conversationId);
    failAfterDeltas = 5;
    const broken = await send(ada, conversationId, "Hello");
    const [failure] = (
      await stream.waitFor((events) => endOf(events, broken.assistantMessage.id) !== undefined)
    ).flatMap((event) => (event.type === "message.error" ? [event.data] : []));
    expect(failure).toMatchObject({
      messageId: broken.assistantMessage.id,
      status: "error",
      error: "The model failed: the GPU fell off the bus",
    });
    const stored = await storedMessage(ada, conversationId, broken.assistantMessage.id);
    expect(stored).toMatchObject({ status: "error", error: "The model failed: the GPU fell off the bus" });
    expect(stored.content.length).toBeGreaterThan(0);
    expect(stored.content).toBe(assembledText(stream.events, broken.assistantMessage.id));

    failAfterDeltas = undefined;
    const next = await send(ada, conversationId, "Still there?");
    expect(next.userMessage).toMatchObject({ status: "done" });
    await stream.waitFor((events) => endOf(events, next.assistantMessage.id) !== undefined);
    await stream.close();
    expect(endOf(stream.events, next.assistantMessage.id)).toMatchObject({ status: "done" });
  });
});

/** An SSE request on a bare socket that never reads the response: a client that cannot keep up. */
async function rawEventStream(
  baseUrl: string,
  client: TestClient,
  path: string,
  lastEventId: string,
): Promise<{ socket: Socket; closed: Promise<void> }> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  await new Promise((resolve) => socket.once("connect", resolve));
  const cookie = [...client.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nCookie: ${cookie}\r\nLast-Event-ID: ${lastEventId}\r\n` +
      "Accept: text/event-stream\r\n\r\n",
  );
  socket.pause();
  const closed = new Promise<void>((resolve) => {
    socket.on("close", () => resolve());
    socket.on("error", () => resolve());
  });
  return { socket, closed };
}
