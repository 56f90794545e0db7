import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import type { ReceivedEvent } from "@hearth/sdk";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  assembledText,
  createConversation,
  EventRecorder,
  endOf,
  type Message,
  sendMessage,
  settledReply,
  signedInAdmin,
  startTestServer,
  type TestClient,
  type TestServer,
} from "../testing/index.ts";

/**
 * Issue "Harden the core", item 7: a Stop ends a reply as `cancelled` with a 2xx at every stage of
 * its writing. Stopped right after a send or a regenerate, the engine's abort used to surface as
 * `error` ("The model failed: cancel") and the cancel as 409 `reply-finished`.
 */
describe("stopping a reply", { timeout: 90_000 }, () => {
  let modelsDir: string;
  let server: TestServer | undefined;
  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-models-"));
    // Wider than the default test model, so loading, prompt evaluation and replies take long enough to stop.
    await writeTestModel(join(modelsDir, "tiny-chat.gguf"), { width: 256, layers: 4 });
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  afterAll(() => rm(modelsDir, { recursive: true, force: true }));

  const start = async (maxReplyTokens = 1500) => {
    server = await startTestServer({
      modelsDir,
      engine: { gpu: "off", contextSize: 2048 },
      chat: { maxReplyTokens, maxRepliesInProgress: 4 },
    });
    return signedInAdmin(server);
  };

  /** Cancels a reply and checks the answer: 200, the reply `cancelled`, no error. */
  const stop = async (client: TestClient, replyId: string): Promise<Message> => {
    const cancelled = await client.post<{ assistantMessage: Message }>(`/api/messages/${replyId}/cancel`);
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body.assistantMessage).toMatchObject({ id: replyId, status: "cancelled", error: null });
    return cancelled.body.assistantMessage;
  };

  /** The log told clients the same: the reply's text, then one `message.done` with status cancelled. */
  const expectLoggedAsCancelled = (events: readonly ReceivedEvent[], reply: Message) => {
    expect(endOf(events, reply.id)).toMatchObject({ messageId: reply.id, status: "cancelled" });
    const ends = events.filter((event) => event.type === "message.done" || event.type === "message.error");
    expect(ends.filter((event) => event.data.messageId === reply.id)).toHaveLength(1);
    expect(assembledText(events, reply.id)).toBe(reply.content);
  };

  /** A metric's value, read as an admin. */
  const metric = async (admin: TestClient, name: string): Promise<number> => {
    const text = (await admin.get("/metrics")).text;
    const line = text.split("\n").find((candidate) => candidate.startsWith(`${name} `));
    if (line === undefined) throw new Error(`no ${name} in /metrics: ${text.slice(0, 200)}`);
    return Number(line.split(" ")[1]);
  };

  it("ends the reply cancelled when Stop comes right after Send, every time", async () => {
    const ada = await start();
    const conversationId = await createConversation(ada);
    const events = await EventRecorder.follow(ada, conversationId);
    const replies: Message[] = [];
    for (let attempt = 0; attempt < 20; attempt++) {
      const exchange = await sendMessage(ada, conversationId, `Question ${attempt}`);
      replies.push(await stop(ada, exchange.assistantMessage.id));
    }
    const last = replies.at(-1) as Message;
    await events.waitFor((received) => endOf(received, last.id) !== undefined);
    await events.close();
    for (const reply of replies) expectLoggedAsCancelled(events.events, reply);
    expect(events.events.some((event) => event.type === "message.error")).toBe(false);
  });

  it("ends the reply cancelled when Stop comes right after Regenerate, every time", async () => {
    const ada = await start();
    const conversationId = await createConversation(ada);
    const first = await sendMessage(ada, conversationId, "Hello");
    await stop(ada, first.assistantMessage.id);
    const events = await EventRecorder.follow(ada, conversationId);
    const replies: Message[] = [];
    for (let attempt = 0; attempt < 20; attempt++) {
      const regenerated = await ada.post<{ assistantMessage: Message }>(
        `/api/messages/${first.assistantMessage.id}/regenerate`,
      );
      expect(regenerated.status, regenerated.text).toBe(202);
      replies.push(await stop(ada, regenerated.body.assistantMessage.id));
    }
    const last = replies.at(-1) as Message;
    await events.waitFor((received) => endOf(received, last.id) !== undefined);
    await events.close();
    for (const reply of replies) expectLoggedAsCancelled(events.events, reply);
    expect(events.events.some((event) => event.type === "message.error")).toBe(false);
  });

  it("ends a reply cancelled while it waits in the queue for the model's sequence", async () => {
    const ada = await start();
    const busy = await createConversation(ada);
    const writing = await sendMessage(ada, busy, "Tell me a long story");
    await replyStreams(ada, busy, writing.assistantMessage.id);
    const conversationId = await createConversation(ada);
    const events = await EventRecorder.follow(ada, conversationId);
    const queued = await sendMessage(ada, conversationId, "Me next");
    // One sequence per model: the second reply waits for the first one's.
    while ((await metric(ada, "hearth_generation_queue_depth")) < 1)
      await new Promise((resolve) => setTimeout(resolve, 5));
    const reply = await stop(ada, queued.assistantMessage.id);
    expect(reply.content).toBe("");
    expect(await metric(ada, "hearth_generation_queue_depth")).toBe(0);
    await events.waitFor((received) => endOf(received, reply.id) !== undefined);
    await events.close();
    expectLoggedAsCancelled(events.events, reply);
    // The reply it waited behind goes on.
    expect((await stop(ada, writing.assistantMessage.id)).content.length).toBeGreaterThan(0);
  });

  it("ends a reply cancelled while its model is still loading", async () => {
    const ada = await start();
    const models = await ada.get<{ data: { id: string; isLoaded: boolean }[] }>("/api/models");
    expect(models.body.data).toEqual([expect.objectContaining({ id: "local/tiny-chat", isLoaded: false })]);
    const conversationId = await createConversation(ada);
    const events = await EventRecorder.follow(ada, conversationId);
    const exchange = await sendMessage(ada, conversationId, "Hello");
    const reply = await stop(ada, exchange.assistantMessage.id);
    expect(reply.content).toBe("");
    await events.waitFor((received) => endOf(received, reply.id) !== undefined);
    await events.close();
    expectLoggedAsCancelled(events.events, reply);
    // The model finishes loading for the next reply.
    const next = await sendMessage(ada, conversationId, "Hello again");
    await replyStreams(ada, conversationId, next.assistantMessage.id);
    await stop(ada, next.assistantMessage.id);
  });

  it("ends a reply cancelled while the model evaluates a long prompt", async () => {
    const ada = await start(200);
    const conversationId = await createConversation(ada);
    const warmUp = await sendMessage(ada, conversationId, "Hello");
    await settledReply(ada, conversationId, warmUp.assistantMessage.id);
    const events = await EventRecorder.follow(ada, conversationId);
    const exchange = await sendMessage(ada, conversationId, "many words in a long question ".repeat(40));
    const reply = await stop(ada, exchange.assistantMessage.id);
    expect(reply.content).toBe("");
    await events.waitFor((received) => endOf(received, reply.id) !== undefined);
    await events.close();
    expectLoggedAsCancelled(events.events, reply);
  });

  it("ends a streaming reply cancelled and keeps the text it had", async () => {
    const ada = await start();
    const conversationId = await createConversation(ada);
    const events = await EventRecorder.follow(ada, conversationId);
    const exchange = await sendMessage(ada, conversationId, "Tell me a long story");
    const replyId = exchange.assistantMessage.id;
    await events.waitFor((received) => assembledText(received, replyId).length > 0);
    const reply = await stop(ada, replyId);
    expect(reply.content.length).toBeGreaterThan(0);
    await events.waitFor((received) => endOf(received, replyId) !== undefined);
    await events.close();
    expectLoggedAsCancelled(events.events, reply);
    // A second Stop finds it cancelled already.
    expect((await ada.post(`/api/messages/${replyId}/cancel`)).status).toBe(200);
  });
});

/** Waits until a reply has its first text stored: it holds the model's sequence. */
async function replyStreams(client: TestClient, conversationId: string, messageId: string): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const tree = await client.get<{ data: Message[] }>(`/api/conversations/${conversationId}/tree?limit=1000`);
    if (tree.body.data.find((message) => message.id === messageId)?.status === "streaming") return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`reply ${messageId} never started streaming`);
}
