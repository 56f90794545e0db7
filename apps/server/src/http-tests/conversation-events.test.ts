import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConversationEvent } from "@hearth/core";
import { writeTestModel } from "@hearth/engine/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  EventStreamClient,
  endOf,
  type ServerSentEvent,
  sendMessage,
  signedInAdmin,
  startTestServer,
  type TestServer,
} from "../testing/index.ts";

interface Document {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
  components: { schemas: Record<string, { discriminator?: { mapping: Record<string, string> } }> };
}

/** The document's `ConversationEvent` as a zod schema, built from the published JSON Schema alone. */
function publishedUnion(document: Document): z.ZodType {
  // zod resolves local refs under `$defs` only; the document keeps its schemas under `components`.
  const text = JSON.stringify(document.components.schemas).replaceAll("#/components/schemas/", "#/$defs/");
  return z.fromJSONSchema({
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $ref: "#/$defs/ConversationEvent",
    $defs: JSON.parse(text),
  });
}

const eventsPath = (conversationId: string) => `/api/conversations/${conversationId}/events`;

/**
 * Issue 10 §1: the events a conversation's stream sends are one typed union, published in
 * /openapi.json for the SDK. The test model opens every reply with a tool call when tools are
 * offered (Qwen's syntax), so one reply produces every kind of message event but `message.error`.
 */
describe("conversation events: the ConversationEvent contract", { timeout: 120_000 }, () => {
  let modelsDir: string;
  let server: TestServer;
  let document: Document;
  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-models-"));
    await writeTestModel(join(modelsDir, "caller.gguf"), {
      chatTemplate: "qwen2.5",
      callsTools: true,
      contextLength: 8192,
    });
    server = await startTestServer({
      modelsDir,
      engine: { gpu: "off", contextSize: 8192 },
      chat: { maxReplyTokens: 200, maxToolSteps: 2, streamAuthCheckSeconds: 1 },
    });
    document = (await server.client().get<Document>("/openapi.json")).body;
  });
  afterAll(async () => {
    await server.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it("publishes the union as the ConversationEvent component, which the events route streams", () => {
    const response = document.paths["/api/conversations/{id}/events"]?.get?.responses["200"];
    expect(response?.content).toEqual({
      "text/event-stream": { schema: { $ref: "#/components/schemas/ConversationEvent" } },
    });
    const mapping = document.components.schemas.ConversationEvent?.discriminator?.mapping ?? {};
    expect(Object.keys(mapping).sort()).toEqual(
      [
        "message.created",
        "message.delta",
        "message.tool-call",
        "message.tool-result",
        "message.done",
        "message.error",
        "conversation.updated",
        "conversation.refetch",
        "stream.opened",
        "stream.closed",
      ].sort(),
    );
    expect(Object.keys(mapping).sort()).toEqual(
      ConversationEvent.options.map((option) => option.shape.type.value).sort(),
    );
    for (const ref of Object.values(mapping)) {
      expect(document.components.schemas).toHaveProperty(ref.replace("#/components/schemas/", ""));
    }
  });

  it("sends only events that parse with the published union: an opening, a reply with tool calls, an update, a refetch, a sign-out", async () => {
    const ada = await signedInAdmin(server);
    const created = await ada.post<{ id: string }>("/api/conversations", { tools: ["current_time"] });
    expect(created.status, created.text).toBe(201);
    const conversationId = created.body.id;
    const stream = await EventStreamClient.open(ada, eventsPath(conversationId));
    const exchange = await sendMessage(ada, conversationId, "What time is it?");
    const replyId = exchange.assistantMessage.id;
    await stream.waitFor((received) => endOf(received, replyId) !== undefined, 90_000);
    await server.idle();
    expect((await ada.patch(`/api/conversations/${conversationId}`, { title: "Clocks" })).status).toBe(200);
    await stream.waitFor((received) => received.some((event) => event.data.includes('"title":"Clocks"')));

    const ahead = await EventStreamClient.open(ada, eventsPath(conversationId), "999999");
    await ahead.waitFor((received) => received.length > 0);
    await ahead.close();

    expect((await ada.post("/api/auth/logout")).status).toBe(204);
    await stream.waitForEnd();

    const events = [...stream.events, ...ahead.events];
    const types = new Set(events.map((event) => event.event));
    expect([...types].sort()).toEqual(
      [
        "message.created",
        "message.delta",
        "message.tool-call",
        "message.tool-result",
        "message.done",
        "conversation.updated",
        "conversation.refetch",
        "stream.opened",
        "stream.closed",
      ].sort(),
    );
    const published = publishedUnion(document);
    const asEvent = (event: ServerSentEvent) => ({ type: event.event, data: JSON.parse(event.data) as unknown });
    for (const event of events) {
      const parsed = published.safeParse(asEvent(event));
      expect(parsed.error, `${event.event} ${event.data}`).toBeUndefined();
    }
  });

  it("refuses, in the published union, an event whose data does not match its type", () => {
    const published = publishedUnion(document);
    const messageId = "00000000-0000-4000-8000-000000000001";
    expect(published.safeParse({ type: "message.delta", data: { messageId, delta: "Hi" } }).success).toBe(true);
    expect(published.safeParse({ type: "message.delta", data: { messageId } }).success).toBe(false);
    expect(
      published.safeParse({ type: "message.done", data: { messageId, status: "error", usage: null } }).success,
    ).toBe(false);
    expect(published.safeParse({ type: "message.sent", data: {} }).success).toBe(false);
  });
});
