/**
 * OpenTelemetry traces exported over OTLP/HTTP to a collector (a stand-in that speaks OTLP/HTTP JSON):
 * a request continues its caller's trace, and its queries and the reply it asked for (time to first
 * token, tokens generated) are spans of that trace.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "./testing/conversations.ts";
import { type HearthProcess, spawnHearth, waitUntilRunning } from "./testing/hearth-process.ts";
import { type NodeSetup, nodeSetup, signInAdmin } from "./testing/node-setup.ts";
import { type ReceivedSpan, startOtlpReceiver } from "./testing/otlp-receiver.ts";
import type { TestClient } from "./testing/test-client.ts";

const CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN = "00f067aa0ba902b7";
const SERVER = 2;
const CLIENT = 3;

describe("traces over OTLP", () => {
  let setup: NodeSetup;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let hearth: HearthProcess;
  let ada: TestClient;

  beforeAll(async () => {
    setup = await nodeSetup("tracing");
    receiver = await startOtlpReceiver();
    hearth = await spawnHearth({
      ...setup.env,
      HEARTH_ENGINE_CONTEXT_SIZE: "1024",
      HEARTH_CHAT_MAX_REPLY_TOKENS: "40",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: "hearth-under-test",
    });
    await waitUntilRunning(hearth);
    ada = await signInAdmin(hearth.url);
  }, 120_000);

  afterAll(async () => {
    hearth?.child.kill("SIGKILL");
    await receiver?.close();
    await setup?.remove();
  });

  const waitForSpans = async (condition: (spans: ReceivedSpan[]) => boolean) => {
    const deadline = Date.now() + 20_000;
    while (!condition(receiver.spans)) {
      if (Date.now() > deadline)
        throw new Error(`spans received: ${receiver.spans.map((span) => span.name).join(", ")}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  it("continues the caller's trace through the request, its queries and the reply it asked for", async () => {
    const conversationId = (await ada.post<{ id: string }>("/api/conversations", { title: "Traced" })).body.id;
    const sent = await ada.post<{ assistantMessage: Message }>(
      `/api/conversations/${conversationId}/messages`,
      { content: "Hello" },
      { headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` } },
    );
    expect(sent.status).toBe(202);
    const replyId = sent.body.assistantMessage.id;
    const inTrace = () => receiver.spans.filter((span) => span.traceId === CALLER_TRACE);
    await waitForSpans(() => inTrace().some((span) => span.name === "reply"));

    const request = inTrace().find((span) => span.kind === SERVER) as ReceivedSpan;
    expect(request).toMatchObject({
      name: "POST /api/conversations/:id/messages",
      parentSpanId: CALLER_SPAN,
      attributes: {
        "http.route": "/api/conversations/:id/messages",
        "http.response.status_code": 202,
        "hearth.request_id": sent.headers.get("X-Request-Id") as string,
      },
      resource: { "service.name": "hearth-under-test" },
    });
    const queries = inTrace().filter((span) => span.kind === CLIENT && span.attributes["db.query.text"] !== undefined);
    expect(queries.length).toBeGreaterThan(3);
    expect(queries.some((span) => span.parentSpanId === request.spanId)).toBe(true);
    // Parameters (the message's text) never reach a span.
    expect(JSON.stringify(inTrace())).not.toContain('"Hello"');

    const reply = inTrace().find((span) => span.name === "reply") as ReceivedSpan;
    expect(reply.parentSpanId).toBe(request.spanId);
    expect(reply.attributes).toMatchObject({
      "hearth.message_id": replyId,
      "gen_ai.request.model": "local/tiny-chat",
      "hearth.reply.status": "done",
    });
    expect(reply.attributes["hearth.reply.time_to_first_token_ms"]).toBeGreaterThan(0);
    expect(reply.attributes["gen_ai.usage.output_tokens"]).toBeGreaterThan(0);
    expect(reply.events).toContain("first token");
  }, 60_000);

  it("starts a trace of its own for a request that brings none", async () => {
    const me = await ada.get("/api/auth/me");
    const requestId = me.headers.get("X-Request-Id");
    await waitForSpans((spans) => spans.some((span) => span.attributes["hearth.request_id"] === requestId));
    const span = receiver.spans.find((each) => each.attributes["hearth.request_id"] === requestId) as ReceivedSpan;
    expect(span).toMatchObject({ name: "GET /api/auth/me", parentSpanId: "" });
    expect(span.traceId).not.toBe(CALLER_TRACE);
  }, 30_000);
});
