import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Tool } from "@hearth/core";
import { writeTestModel } from "@hearth/engine/testing";
import type { ReceivedEvent } from "@hearth/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  assembledText,
  EventRecorder,
  EventStreamClient,
  endOf,
  type MessageNode,
  sendMessage,
  settledReply,
  signedInAdmin,
  signedInUser,
  startTestServer,
  type TestClient,
  type TestServer,
} from "../testing/index.ts";

type Part = NonNullable<MessageNode["parts"]>[number];

/** What the slow tool saw: set once the reply's stop reached it. */
let slowToolAborted = false;
/** Called once the slow tool runs (the tool-call event comes before: the stop must come after this). */
let slowToolStarted: () => void = () => {};

/** Waits until it is aborted, as a tool stuck on a slow service would (for a stop during a tool). */
const waitForStop: Tool = {
  name: "wait_for_stop",
  description: "Waits until stopped.",
  inputSchema: { type: "object", properties: {} },
  run: (_, { abortSignal }) =>
    new Promise((_resolve, reject) => {
      const stop = () => {
        slowToolAborted = true;
        reject(new Error("stopped"));
      };
      if (abortSignal.aborted) return stop();
      abortSignal.addEventListener("abort", stop, { once: true });
      slowToolStarted();
    }),
};

const alwaysFails: Tool = {
  name: "always_fails",
  description: "Fails.",
  inputSchema: { type: "object", properties: {} },
  run: async () => {
    throw new Error("the service is down");
  },
};

/**
 * Issue 9 §3: tools in conversations, over real HTTP on the real engine. The test model's weights are
 * random, so a call is forced (`toolChoice: "required"`, a grammar on llama.cpp) and what it computes is
 * meaningless; what is checked is the loop: the call, its result, and the model going on after it.
 */
describe("tool calls in conversations", { timeout: 120_000 }, () => {
  let modelsDir: string;
  let server: TestServer;
  let ada: TestClient;
  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-models-"));
    // Qwen 2.5's chat template: node-llama-cpp calls tools natively with it.
    // A large context: the tools' definitions and instructions take many tokens of the byte-level test vocabulary.
    await writeTestModel(join(modelsDir, "tiny-chat.gguf"), { chatTemplate: "qwen2.5", contextLength: 8192 });
    server = await startTestServer(
      // The calculator's expression may take up to 1000 characters: a forced call must fit in one step.
      // A tool that outlives the test proves that the stop, not the timeout, ended it.
      { modelsDir, engine: { gpu: "off", contextSize: 8192 }, chat: { maxReplyTokens: 1500, toolTimeoutSeconds: 600 } },
      { extraTools: [waitForStop, alwaysFails] },
    );
  });
  beforeEach(async () => {
    await server.reset();
    ada = await signedInAdmin(server);
  });
  afterAll(async () => {
    await server.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  const conversationWith = async (body: Record<string, unknown>) => {
    const created = await ada.post<{ id: string; tools: string[]; toolChoice: string }>("/api/conversations", body);
    expect(created.status, created.text).toBe(201);
    return created.body;
  };
  const eventsOf = (events: readonly ReceivedEvent[], type: string, messageId: string) =>
    events
      .filter((event) => event.type === type)
      .map((event) => event.data as Record<string, unknown>)
      .filter((data) => data.messageId === messageId);
  const stored = settledReply;

  it("streams and stores a forced call and its result, then lets the model go on to finish the reply", async () => {
    const { id } = await conversationWith({ tools: ["calculator"], toolChoice: "required" });
    const events = await EventRecorder.follow(ada, id);
    const exchange = await sendMessage(ada, id, "What is 6 times 7?");
    const replyId = exchange.assistantMessage.id;
    await events.waitFor((received) => endOf(received, replyId) !== undefined, 90_000);
    await events.close();

    const reply = await stored(ada, id, replyId);
    expect(reply.status, reply.error ?? "").toBe("done");
    const [call, result, ...more] = reply.parts ?? [];
    expect(more).toEqual([]);
    expect(call).toMatchObject({ type: "tool-call", offset: 0, toolName: "calculator" });
    expect(JSON.parse((call as { input: string }).input)).toEqual({ expression: expect.any(String) });
    // Random weights write a random expression: the result may be a value or the parser's error.
    expect(result).toMatchObject({
      type: "tool-result",
      offset: 0,
      toolCallId: call?.toolCallId,
      toolName: "calculator",
      output: expect.any(String),
      isError: expect.any(Boolean),
    });
    if (result?.type === "tool-result" && result.isError)
      expect(result.output).toMatch(/^The tool calculator failed: Cannot evaluate /);
    // The model wrote text after it read the result: all of the reply's text comes after the parts.
    expect(reply.content.length).toBeGreaterThan(0);
    expect(reply.usage?.completionTokens).toBeGreaterThan(0);

    // The events told the same story, in the same order: call, result, text, done.
    const order = events.events
      .filter((event) => JSON.stringify(event.data).includes(replyId))
      .map((event) => event.type);
    const firstDelta = order.indexOf("message.delta");
    expect(order.indexOf("message.tool-call")).toBeLessThan(order.indexOf("message.tool-result"));
    expect(order.indexOf("message.tool-result")).toBeLessThan(firstDelta);
    const { type: _call, ...callFacts } = call as Part;
    expect(eventsOf(events.events, "message.tool-call", replyId)).toEqual([{ messageId: replyId, ...callFacts }]);
    const { type: _result, ...resultFacts } = result as Part;
    expect(eventsOf(events.events, "message.tool-result", replyId)).toEqual([{ messageId: replyId, ...resultFacts }]);
    expect(assembledText(events.events, replyId)).toBe(reply.content);
    expect(endOf(events.events, replyId)).toMatchObject({ status: "done" });

    // The next turn reads the stored call and result in its prompt, and calls again.
    const next = await sendMessage(ada, id, "And 6 times 8?");
    const second = await stored(ada, id, next.assistantMessage.id);
    expect(second.status, second.error ?? "").toBe("done");
    expect(second.parts?.map((part) => part.type)).toEqual(["tool-call", "tool-result"]);
    expect(second.usage?.promptTokens).toBeGreaterThan(reply.usage?.promptTokens ?? 0);
    expect(next.userMessage).toMatchObject({ parts: null });
  });

  it("tells the model a tool's failure as an error result, and the reply still ends done", async () => {
    const { id } = await conversationWith({ tools: ["always_fails"], toolChoice: "required" });
    const exchange = await sendMessage(ada, id, "Try it");
    const reply = await stored(ada, id, exchange.assistantMessage.id);
    expect(reply.status, reply.error ?? "").toBe("done");
    expect(reply.parts).toEqual([
      expect.objectContaining({
        type: "tool-call",
        toolName: "always_fails",
        input: expect.stringMatching(/^\{\s*\}$/),
      }),
      expect.objectContaining({
        type: "tool-result",
        toolName: "always_fails",
        output: "The tool always_fails failed: the service is down",
        isError: true,
      }),
    ]);
    expect(reply.content.length).toBeGreaterThan(0);
  });

  it("ends a reply cancelled when Stop comes while a tool runs, and the stop reaches the tool", async () => {
    slowToolAborted = false;
    const running = new Promise<void>((resolve) => {
      slowToolStarted = resolve;
    });
    const { id } = await conversationWith({ tools: ["wait_for_stop"], toolChoice: "required" });
    const events = await EventRecorder.follow(ada, id);
    const exchange = await sendMessage(ada, id, "Wait for it");
    const replyId = exchange.assistantMessage.id;
    await events.waitFor((received) => eventsOf(received, "message.tool-call", replyId).length > 0, 60_000);
    // The call is announced before the tool runs (seen on a loaded CI machine: a stop in between).
    await running;

    const cancelled = await ada.post<{ assistantMessage: MessageNode }>(`/api/messages/${replyId}/cancel`);
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body.assistantMessage).toMatchObject({ status: "cancelled", error: null });
    expect(slowToolAborted).toBe(true);
    await events.waitFor((received) => endOf(received, replyId) !== undefined);
    await events.close();
    expect(endOf(events.events, replyId)).toMatchObject({ status: "cancelled" });
    expect(eventsOf(events.events, "message.tool-result", replyId)).toEqual([]);
    const reply = await stored(ada, id, replyId);
    expect(reply.parts).toEqual([expect.objectContaining({ type: "tool-call", toolName: "wait_for_stop" })]);
  });

  it("shows a reply's parts to its owner only", async () => {
    const { id } = await conversationWith({ tools: ["always_fails"], toolChoice: "required" });
    const exchange = await sendMessage(ada, id, "Try it");
    expect((await stored(ada, id, exchange.assistantMessage.id)).parts).toHaveLength(2);
    const bob = await signedInUser(server, ada, {
      username: "bob",
      email: "bob@example.com",
      password: "another horse battery",
    });
    for (const path of [
      `/api/conversations/${id}/messages`,
      `/api/conversations/${id}/tree`,
      `/api/conversations/${id}`,
    ]) {
      const answer = await bob.client.get(path);
      expect(answer.status, path).toBe(404);
      expect(answer.text).not.toContain("always_fails");
    }
    const events = await EventStreamClient.open(bob.client, `/api/conversations/${id}/events`, "0");
    expect(events.status).toBe(404);
    await events.close();
  });
});
