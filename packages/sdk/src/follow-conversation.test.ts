import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { writeTestModel } from "@hearth/engine/testing";
import { ADMIN, startTestServer, type TestServer } from "@hearth/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHearthClient, type HearthClient } from "./create-hearth-client.ts";
import { followConversation, type ReceivedEvent } from "./follow-conversation.ts";
import { sendMessage } from "./stream-reply.ts";
import { unwrap } from "./unwrap.ts";

/**
 * `response` with a body the test can cut, as a dropped network would: the body the client reads
 * fails at once and the real connection is cancelled. (Cutting through an AbortSignal on a Request
 * built from the client's did not always reach the connection: undici links the two signals weakly,
 * so under load a garbage-collected Request left the stream running.)
 */
function cuttable(response: Response): { response: Response; cut(): void } {
  if (response.body === null) return { response, cut: () => {} };
  const reader = response.body.getReader();
  let cut = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      cut = () => {
        controller.error(new TypeError("terminated: the test cut the connection"));
        void reader.cancel().catch(() => {});
      };
    },
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        controller.error(error);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
  const { status, statusText, headers } = response;
  return { response: new Response(body, { status, statusText, headers }), cut: () => cut() };
}

/** A fetch whose event-stream connections the test can cut. */
function cuttableFetch() {
  const streams: { abort(): void }[] = [];
  const send = async (request: Request) => {
    const response = await fetch(request);
    if (!new URL(request.url).pathname.endsWith("/events")) return response;
    const stream = cuttable(response);
    streams.push({ abort: stream.cut });
    return stream.response;
  };
  return { fetch: send as typeof fetch, streams };
}

const signIn = async (client: HearthClient) =>
  unwrap(await client.api.POST("/api/auth/login", { body: { email: ADMIN.email, password: ADMIN.password } }));

describe("following a conversation's events", () => {
  let modelsDir: string;
  let server: TestServer;
  let admin: HearthClient;
  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-models-"));
    await writeTestModel(join(modelsDir, "tiny-chat.gguf"));
    server = await startTestServer({
      modelsDir,
      engine: { gpu: "off", contextSize: 1024 },
      // Long replies: a cut after the first deltas must land while the reply is still being written,
      // even when the test process lags behind a busy server and reads many events at once.
      chat: { maxReplyTokens: 1000 },
    });
    admin = createHearthClient({ baseUrl: server.url });
    unwrap(await admin.api.POST("/api/setup", { body: ADMIN }));
    await signIn(admin);
  });
  afterAll(async () => {
    await server.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it("resumes with Last-Event-ID after a connection cut mid-reply: every event once, in order", async () => {
    const cuttable = cuttableFetch();
    const client = createHearthClient({ baseUrl: server.url, fetch: cuttable.fetch });
    await signIn(client);
    const model = unwrap(await client.api.GET("/api/models")).data[0]?.id as string;
    const { id } = unwrap(await client.api.POST("/api/conversations", { body: { title: "Resume", model } }));
    const received: ReceivedEvent[] = [];
    let replyId: string | undefined;
    let sent = false;
    let cutAt = 0;
    const events = followConversation(client, id, {
      onConnect: () => {
        if (sent) return;
        sent = true;
        void client.api
          .POST("/api/conversations/{id}/messages", { params: { path: { id } }, body: { content: "Tell me a story" } })
          .then((result) => {
            replyId = unwrap(result).assistantMessage.id;
          });
      },
    });
    for await (const event of events) {
      received.push(event);
      const deltas = received.filter((each) => each.type === "message.delta").length;
      if (deltas === 2 && cuttable.streams.length === 1 && cutAt === 0) {
        cutAt = received.length;
        cuttable.streams[0]?.abort();
      }
      if (event.type === "message.done" || event.type === "message.error") break;
    }
    expect(cuttable.streams.length).toBeGreaterThanOrEqual(2);
    // The cut landed mid-reply: more of it came over the new connection.
    expect(received.slice(cutAt).some((event) => event.type === "message.delta")).toBe(true);
    const ids = received.map((event) => event.id);
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, index) => index + 1));
    const tree = unwrap(await client.api.GET("/api/conversations/{id}/tree", { params: { path: { id } } }));
    const reply = tree.data.find((message) => message.id === replyId);
    const text = received.map((event) => (event.type === "message.delta" ? event.data.delta : "")).join("");
    expect(reply?.status).toBe("done");
    expect(text).toBe(reply?.content);
  });

  it("streams a whole reply when the connection drops before its first event, resuming from where it opened", async () => {
    const asked: (string | null)[] = [];
    let cutFirstStream: (() => void) | undefined;
    const send = async (request: Request) => {
      const path = new URL(request.url).pathname;
      if (path.endsWith("/events")) {
        asked.push(request.headers.get("last-event-id"));
        const stream = cuttable(await fetch(request));
        cutFirstStream ??= stream.cut;
        return stream.response;
      }
      // The stream is open (sendMessage waits for that) and has sent no event yet: cut it now.
      if (path.endsWith("/messages")) cutFirstStream?.();
      return fetch(request);
    };
    const client = createHearthClient({ baseUrl: server.url, fetch: send as typeof fetch });
    await signIn(client);
    const model = unwrap(await client.api.GET("/api/models")).data[0]?.id as string;
    const { id } = unwrap(await client.api.POST("/api/conversations", { body: { title: "Dropped early", model } }));
    unwrap(await client.api.PATCH("/api/conversations/{id}", { params: { path: { id } }, body: { title: "Event 1" } }));

    const reply = await sendMessage(client, id, { content: "Hello" });
    const events: ReceivedEvent[] = [];
    for await (const event of reply.events) events.push(event);

    // The reconnect asked for what came after the stream opened (event 1), so nothing was missed.
    expect(asked).toEqual([null, "1"]);
    expect(events[0]).toMatchObject({ type: "message.created", data: { id: reply.started.assistantMessage.id } });
    expect(events.at(-1)).toMatchObject({ type: "message.done", data: { status: "done" } });
    const ids = events.map((event) => event.id as number);
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, index) => (ids[0] as number) + index));
    const tree = unwrap(await client.api.GET("/api/conversations/{id}/tree", { params: { path: { id } } }));
    const stored = tree.data.find((message) => message.id === reply.started.assistantMessage.id);
    const text = events.map((event) => (event.type === "message.delta" ? event.data.delta : "")).join("");
    expect(text).toBe(stored?.content);
  });

  it("stops on abort even once the requests the stream was opened with are garbage", async () => {
    setFlagsFromString("--expose-gc");
    const collectGarbage = runInNewContext("gc") as () => void;
    const { id } = unwrap(await admin.api.POST("/api/conversations", { body: { title: "Collected" } }));
    const stop = new AbortController();
    let connected = () => {};
    const isConnected = new Promise<void>((resolve) => {
      connected = resolve;
    });
    const events = followConversation(admin, id, { signal: stop.signal, onConnect: () => connected() });
    const ended = events.next();
    await isConnected;
    collectGarbage();
    stop.abort();
    expect(await ended).toEqual({ done: true, value: undefined });
  });

  it("ends with stream.closed when the session signs out, without reconnecting", async () => {
    const cuttable = cuttableFetch();
    const client = createHearthClient({ baseUrl: server.url, fetch: cuttable.fetch });
    await signIn(client);
    const { id } = unwrap(await client.api.POST("/api/conversations", { body: { title: "Closing" } }));
    const received: ReceivedEvent[] = [];
    const events = followConversation(client, id, { onConnect: () => void client.api.POST("/api/auth/logout") });
    for await (const event of events) received.push(event);
    expect(received.map((event) => event.type)).toEqual(["stream.closed"]);
    expect(cuttable.streams).toHaveLength(1);
  });

  it("replays from a given id, tells a client past the log's end to refetch, and stops on abort", async () => {
    const { id } = unwrap(await admin.api.POST("/api/conversations", { body: { title: "Replay" } }));
    unwrap(await admin.api.PATCH("/api/conversations/{id}", { params: { path: { id } }, body: { title: "Renamed" } }));
    const stop = new AbortController();
    const replayed: ReceivedEvent[] = [];
    for await (const event of followConversation(admin, id, { lastEventId: 0, signal: stop.signal })) {
      replayed.push(event);
      stop.abort();
    }
    expect(replayed).toEqual([
      { id: 1, type: "conversation.updated", data: expect.objectContaining({ title: "Renamed" }) },
    ]);

    const ahead = new AbortController();
    const refetched: ReceivedEvent[] = [];
    for await (const event of followConversation(admin, id, { lastEventId: 9, signal: ahead.signal })) {
      refetched.push(event);
      ahead.abort();
    }
    expect(refetched).toEqual([
      { id: 1, type: "conversation.refetch", data: { reason: expect.any(String), lastEventId: 1 } },
    ]);
  });

  it("throws the problem answered when connecting: no credential, or a revoked key", async () => {
    const stranger = createHearthClient({ baseUrl: server.url });
    const key = unwrap(await admin.api.POST("/api/api-keys", { body: { name: "k" } }));
    const { id } = unwrap(await admin.api.POST("/api/conversations", { body: {} }));
    unwrap(await admin.api.DELETE("/api/api-keys/{id}", { params: { path: { id: key.id } } }));
    const byRevokedKey = createHearthClient({ baseUrl: server.url, apiKey: key.key });
    for (const client of [stranger, byRevokedKey]) {
      const error = await followConversation(client, id)
        .next()
        .catch((thrown: unknown) => thrown);
      expect(error).toMatchObject({ name: "HearthError", code: "unauthenticated", status: 401 });
    }
  });
});
