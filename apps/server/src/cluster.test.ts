/**
 * A cluster as operators run one (issue 12's "done when"): PostgreSQL, Redis (Debian's redis-server),
 * three Hearth processes and nginx (Debian's) on loopback, checked through nginx, round-robin and
 * without sticky sessions. Runs where tests have a PostgreSQL server (TEST_DATABASE_URL: CI's second
 * pass, which installs redis-server and nginx and so must not skip).
 */
import { once } from "node:events";
import { openDatabase } from "@hearth/db";
import { hasRedisServer, testDatabaseUrl } from "@hearth/db/testing";
import { createParser } from "eventsource-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCluster, type TestCluster } from "./testing/cluster.ts";
import type { Message } from "./testing/conversations.ts";
import { EventRecorder } from "./testing/event-recorder.ts";
import type { HearthProcess } from "./testing/hearth-process.ts";
import { hasNginx } from "./testing/nginx.ts";
import { assembledText, endOf } from "./testing/reply-events.ts";
import { TestClient } from "./testing/test-client.ts";
import { ADMIN } from "./testing/test-server.ts";

const canRun = Boolean(testDatabaseUrl()) && ((hasRedisServer() && hasNginx()) || Boolean(process.env.CI));
const CONVERSATIONS_PER_MINUTE = 8;
const DISCONNECTS = 1_000;
const FLAKY_CLIENTS = 10;

interface WireEvent {
  id: number;
  type: string;
  data: string;
}

/** Logged events arrive once each, in order: ids strictly increasing. */
function expectIncreasing(ids: readonly number[]): void {
  for (let index = 1; index < ids.length; index++) expect(ids[index]).toBeGreaterThan(ids[index - 1] as number);
}

/**
 * Reads a conversation's stream through `baseUrl` from `lastEventId` until `stop` says so (or the
 * stream ends), as a browser's EventSource would parse it. Resolves with the events read and whether
 * it was cut short by `stop` rather than by the server.
 */
async function readStream(
  client: TestClient,
  baseUrl: string,
  conversationId: string,
  lastEventId: number | undefined,
  stop: (events: WireEvent[], opened: number | undefined) => boolean,
  timeoutMs: number,
): Promise<{ events: WireEvent[]; opened: number | undefined; status: number }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const headers: Record<string, string> = {
    Accept: "text/event-stream",
    Cookie: [...client.cookies].map(([name, value]) => `${name}=${value}`).join("; "),
  };
  if (lastEventId !== undefined) headers["Last-Event-ID"] = String(lastEventId);
  const events: WireEvent[] = [];
  let opened: number | undefined;
  let status = 0;
  try {
    const response = await fetch(`${baseUrl}/api/conversations/${conversationId}/events`, {
      headers,
      signal: controller.signal,
    });
    status = response.status;
    if (response.body === null || status !== 200) return { events, opened, status };
    const parser = createParser({
      onEvent: (message) => {
        if (message.event === "stream.opened") opened = Number(message.id);
        else if (message.id !== undefined && message.id !== "")
          events.push({ id: Number(message.id), type: message.event ?? "message", data: message.data });
        if (stop(events, opened)) controller.abort();
      },
    });
    const decoder = new TextDecoder();
    for await (const chunk of response.body) parser.feed(decoder.decode(chunk, { stream: true }));
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
  }
  return { events, opened, status };
}

describe.runIf(canRun)("a cluster behind nginx: PostgreSQL, Redis, three nodes", () => {
  let cluster: TestCluster;
  let balancer: string;
  /** Ada through nginx: each request may reach any node. */
  let ada: TestClient;
  const direct: TestClient[] = [];

  beforeAll(async () => {
    cluster = await startCluster({
      nodes: 3,
      redis: true,
      nginx: true,
      env: {
        HEARTH_CHAT_MAX_REPLY_TOKENS: "1800",
        HEARTH_CHAT_REPLY_LEASE_SECONDS: "2",
        HEARTH_SERVER_HOUSEKEEPING_SECONDS: "1",
        HEARTH_SERVER_DRAIN_SECONDS: "30",
        HEARTH_LIMITS_CONVERSATIONS_PER_MINUTE: String(CONVERSATIONS_PER_MINUTE),
        HEARTH_LIMITS_EVENT_STREAMS: "200",
        HEARTH_LIMITS_MESSAGES_PER_MINUTE: "200",
      },
    });
    balancer = (cluster.balancer as { url: string }).url;
    ada = new TestClient(balancer);
    expect((await ada.post("/api/setup", ADMIN)).status).toBe(201);
    expect((await ada.logIn(ADMIN.email, ADMIN.password)).status).toBe(200);
    for (const node of cluster.nodes) {
      const client = new TestClient(node.url);
      expect((await client.logIn(ADMIN.email, ADMIN.password)).status).toBe(200);
      direct.push(client);
    }
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  const node = (index: number) => cluster.nodes[index] as HearthProcess;
  const on = (index: number) => direct[index] as TestClient;
  const newConversation = async (title: string) =>
    (await ada.post<{ id: string }>("/api/conversations", { title })).body.id;

  it("reports each dependency on /readyz: the database, events through Redis, the engine", async () => {
    for (const index of [0, 1, 2]) {
      const response = await fetch(`${node(index).url}/readyz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        status: "ready",
        checks: {
          database: { ok: true, detail: "PostgreSQL, migrated" },
          events: { ok: true, detail: "Redis pub/sub: connected" },
          engine: { ok: true },
        },
      });
    }
  });

  it("streams a reply written on one node to clients that nginx spread over the nodes, each event once", async () => {
    const conversationId = await newConversation("Fan-out");
    const followers = await Promise.all(Array.from({ length: 6 }, () => EventRecorder.follow(ada, conversationId)));
    const sent = await on(0).post<{ assistantMessage: Message }>(`/api/conversations/${conversationId}/messages`, {
      content: "Tell me a story",
    });
    expect(sent.status).toBe(202);
    const replyId = sent.body.assistantMessage.id;
    for (const follower of followers) await follower.waitFor((events) => endOf(events, replyId) !== undefined, 60_000);
    const stored = await ada.get<{ data: Message[] }>(`/api/conversations/${conversationId}/messages`);
    const reply = stored.body.data.at(-1);
    expect(reply).toMatchObject({ id: replyId, status: "done" });
    for (const follower of followers) {
      await follower.close();
      expect(assembledText(follower.events, replyId)).toBe(reply?.content);
      expectIncreasing(follower.events.flatMap((event) => (event.id === undefined ? [] : [event.id])));
    }
  }, 120_000);

  it(`gives no gap and no repeat over ${DISCONNECTS} random disconnects and reconnects through nginx`, async () => {
    const conversationId = await newConversation("Flaky clients");
    let disconnects = 0;
    let isWriting = true;
    const replies: string[] = [];
    // Replies one after another on any node, while the clients come and go.
    const writer = (async () => {
      try {
        while (disconnects < DISCONNECTS) {
          const sent = await ada.post<{ assistantMessage: Message }>(`/api/conversations/${conversationId}/messages`, {
            content: `Part ${replies.length + 1}, please`,
          });
          expect(sent.status).toBe(202);
          const replyId = sent.body.assistantMessage.id;
          replies.push(replyId);
          for (;;) {
            const messages = await ada.get<{ data: Message[] }>(`/api/conversations/${conversationId}/messages`);
            const status = messages.body.data.find((message) => message.id === replyId)?.status;
            if (status !== "streaming" && status !== "pending") break;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      } finally {
        // A failure here ends the clients' loops too, and is reported below.
        isWriting = false;
      }
    })();
    const clients = await Promise.all(
      Array.from({ length: FLAKY_CLIENTS }, async () => {
        const received: WireEvent[] = [];
        let from: number | undefined;
        let first: number | undefined;
        while (isWriting) {
          // Cut after a few events, or after a while (between replies no event comes), or even before
          // the answer's headers (status 0): each is a disconnect.
          const cutAfter = 1 + Math.floor(Math.random() * 12);
          const { events, opened, status } = await readStream(
            ada,
            balancer,
            conversationId,
            from,
            (read) => read.length >= cutAfter,
            10 + Math.floor(Math.random() * 300),
          );
          expect([0, 200]).toContain(status);
          if (first === undefined && opened !== undefined) first = opened;
          received.push(...events);
          from = received.at(-1)?.id ?? from ?? opened;
          if (isWriting) disconnects++;
        }
        return { received, first: first as number, from };
      }),
    );
    await writer;
    // The log's end, as a new stream reports it; each client then catches up to it.
    const { opened: end } = await readStream(
      ada,
      balancer,
      conversationId,
      undefined,
      (_, at) => at !== undefined,
      10_000,
    );
    const { events: log } = await readStream(
      ada,
      balancer,
      conversationId,
      0,
      (read) => read.at(-1)?.id === end,
      30_000,
    );
    // The same events, whichever node read them out and however the JSON was spelled.
    const comparable = (events: WireEvent[]) =>
      events.map(({ id, type, data }) => ({ id, type, data: JSON.parse(data) }));
    for (const { received, first, from } of clients) {
      if (from !== end) {
        const stop = (read: WireEvent[]) => read.at(-1)?.id === end;
        received.push(...(await readStream(ada, balancer, conversationId, from, stop, 30_000)).events);
      }
      expect(received.at(-1)?.id).toBe(end);
      expect(comparable(received)).toEqual(comparable(log.filter((event) => event.id > first)));
    }
    expect(disconnects).toBeGreaterThanOrEqual(DISCONNECTS);
    expect(replies.length).toBeGreaterThan(1);
    const stored = await ada.get<{ data: Message[] }>(`/api/conversations/${conversationId}/messages`);
    for (const replyId of replies) {
      const text = stored.body.data.find((message) => message.id === replyId)?.content;
      const fromLog = log.map((event) => ({ event: event.type, data: event.data, id: String(event.id) }));
      expect(assembledText(fromLog, replyId)).toBe(text);
    }
  }, 240_000);

  it("holds a user's rate limit across the nodes nginx spreads their requests over", async () => {
    expect(
      (
        await ada.post("/api/admin/users", {
          username: "bo",
          email: "bo@example.com",
          password: "bo's long password",
        })
      ).status,
    ).toBe(201);
    const bo = new TestClient(balancer);
    expect((await bo.logIn("bo@example.com", "bo's long password")).status).toBe(200);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let index = 0; index < CONVERSATIONS_PER_MINUTE + 4; index++) {
      const response = await bo.post("/api/conversations", { title: `Burst ${index}` });
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get("Retry-After");
    }
    expect(statuses).toEqual([
      ...Array.from({ length: CONVERSATIONS_PER_MINUTE }, () => 201),
      ...Array.from({ length: 4 }, () => 429),
    ]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // Failed sign-ins on one account are counted on every node: the 11th is refused wherever it lands.
    const guesses: number[] = [];
    for (let index = 0; index < 12; index++) {
      guesses.push((await new TestClient(balancer).logIn("bo@example.com", `wrong guess ${index}`)).status);
    }
    expect(guesses).toEqual([...Array.from({ length: 10 }, () => 401), 429, 429]);
  }, 60_000);

  it("runs the housekeeping job once per period among the three nodes", async () => {
    const db = await openDatabase({ kind: "postgres", url: cluster.databaseUrl, maxConnections: 1 });
    try {
      // Every node looks every second; one claims each period, and its run starts when it claimed it.
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      const { rows } = await db.query<{ started_at: Date }>(
        "SELECT started_at FROM job_runs WHERE name = 'housekeeping' ORDER BY started_at",
      );
      expect(rows.length).toBeGreaterThanOrEqual(4);
      for (let index = 1; index < rows.length; index++) {
        const gap = (rows[index]?.started_at.getTime() ?? 0) - (rows[index - 1]?.started_at.getTime() ?? 0);
        expect(gap).toBeGreaterThanOrEqual(1_000);
      }
    } finally {
      await db.close();
    }
  }, 30_000);

  it("drains a node on SIGTERM: readiness drops, new requests go elsewhere, its streams move, its reply finishes", async () => {
    const draining = node(1);
    const conversationId = await newConversation("Drained");
    const followers = await Promise.all(Array.from({ length: 6 }, () => EventRecorder.follow(ada, conversationId)));
    const sent = await on(1).post<{ assistantMessage: Message }>(`/api/conversations/${conversationId}/messages`, {
      content: "Write a very long answer",
    });
    const replyId = sent.body.assistantMessage.id;
    await (followers[0] as EventRecorder).waitFor((events) => assembledText(events, replyId).length > 20);
    draining.child.kill("SIGTERM");
    const readiness = await (async () => {
      for (;;) {
        const response = await fetch(`${draining.url}/readyz`);
        if (response.status === 503) return response.json();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    expect(readiness).toMatchObject({ status: "draining" });
    const refused = await on(1).post(`/api/conversations/${conversationId}/messages`, { content: "Not here" });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: "node-draining" });
    expect(refused.headers.get("Retry-After")).toBe("0");
    // Through nginx the same request is served by another node.
    expect((await ada.get(`/api/conversations/${conversationId}`)).status).toBe(200);
    for (const follower of followers) await follower.waitFor((events) => endOf(events, replyId) !== undefined, 60_000);
    expect(await draining.exited).toBe(0);
    const stored = await ada.get<{ data: Message[] }>(`/api/conversations/${conversationId}/messages`);
    const reply = stored.body.data.find((message) => message.id === replyId);
    expect(reply).toMatchObject({ status: "done" });
    for (const follower of followers) {
      await follower.close();
      expect(assembledText(follower.events, replyId)).toBe(reply?.content);
      expectIncreasing(follower.events.flatMap((event) => (event.id === undefined ? [] : [event.id])));
    }
  }, 120_000);

  it("interrupts a reply within its lease once the node writing it is killed, while nginx goes on serving", async () => {
    const writer = node(2);
    const conversationId = await newConversation("Killed");
    const watching = await EventRecorder.follow(ada, conversationId);
    const sent = await on(2).post<{ assistantMessage: Message }>(`/api/conversations/${conversationId}/messages`, {
      content: "Write a very long answer",
    });
    const killedId = sent.body.assistantMessage.id;
    await watching.waitFor((events) => assembledText(events, killedId).length > 50);
    writer.child.kill("SIGKILL");
    await once(writer.child, "exit");
    await watching.waitFor((events) => endOf(events, killedId) !== undefined, 15_000);
    await watching.close();
    expect(endOf(watching.events, killedId)).toMatchObject({ status: "interrupted" });
    const stored = await ada.get<{ data: Message[] }>(`/api/conversations/${conversationId}/messages`);
    expect(stored.body.data.at(-1)).toMatchObject({ id: killedId, status: "interrupted" });
    for (let index = 0; index < 20; index++) {
      expect((await ada.get(`/api/conversations/${conversationId}`)).status).toBe(200);
    }
    const next = await ada.post(`/api/conversations/${conversationId}/messages`, { content: "Still there?" });
    expect(next.status).toBe(202);
  }, 90_000);
});
