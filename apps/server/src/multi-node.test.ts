/**
 * Three Hearth processes on one PostgreSQL database, as behind a load balancer without sticky
 * sessions: events logged on one node reach streams on the others (LISTEN/NOTIFY), and a client
 * that moves between nodes resumes without a gap or a repeat. Runs where tests have a PostgreSQL
 * server (TEST_DATABASE_URL; CI's second pass).
 */
import { once } from "node:events";
import { testDatabaseUrl } from "@hearth/db/testing";
import type { ReceivedEvent } from "@hearth/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCluster, type TestCluster } from "./testing/cluster.ts";
import type { Message } from "./testing/conversations.ts";
import { EventRecorder } from "./testing/event-recorder.ts";
import type { HearthProcess } from "./testing/hearth-process.ts";
import { assembledText, endOf } from "./testing/reply-events.ts";
import { TestClient } from "./testing/test-client.ts";
import { ADMIN } from "./testing/test-server.ts";

const NODES = 3;

/** Logged events arrive once each, in order: ids strictly increasing. */
function expectNoRepeat(events: readonly ReceivedEvent[]): void {
  const ids = events.flatMap((event) => (event.id === undefined ? [] : [event.id]));
  for (let index = 1; index < ids.length; index++) expect(ids[index]).toBeGreaterThan(ids[index - 1] as number);
}

describe.runIf(testDatabaseUrl())("three nodes on one PostgreSQL database", () => {
  let cluster: TestCluster;
  const nodes: HearthProcess[] = [];
  /** Ada, signed in on each node (a session is the database's: any node accepts it). */
  const ada: TestClient[] = [];

  beforeAll(async () => {
    cluster = await startCluster({
      nodes: NODES,
      env: {
        // Long enough for a reply to outlast several leases and to be killed mid-way.
        HEARTH_CHAT_MAX_REPLY_TOKENS: "1800",
        HEARTH_CHAT_REPLY_LEASE_SECONDS: "2",
      },
    });
    nodes.push(...cluster.nodes);
    const first = new TestClient((nodes[0] as HearthProcess).url);
    expect((await first.post("/api/setup", ADMIN)).status).toBe(201);
    for (const node of nodes) {
      const client = new TestClient(node.url);
      expect((await client.logIn(ADMIN.email, ADMIN.password)).status).toBe(200);
      ada.push(client);
    }
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  const on = (index: number) => ada[index] as TestClient;
  const onA = () => on(0);
  const onB = () => on(1);
  const onC = () => on(2);

  it("streams a reply written on one node to clients on the others, each event once", async () => {
    const conversationId = (await onA().post<{ id: string }>("/api/conversations", { title: "Across nodes" })).body.id;
    const onOtherNodes = await Promise.all([
      EventRecorder.follow(onB(), conversationId),
      EventRecorder.follow(onC(), conversationId),
    ]);
    const sent = await onA().post<{ assistantMessage: Message }>(`/api/conversations/${conversationId}/messages`, {
      content: "Tell me a story",
    });
    expect(sent.status).toBe(202);
    const replyId = sent.body.assistantMessage.id;
    for (const recorder of onOtherNodes) await recorder.waitFor((events) => endOf(events, replyId) !== undefined);
    const stored = await onC().get<{ data: Message[] }>(`/api/conversations/${conversationId}/messages`);
    const reply = stored.body.data.at(-1);
    expect(reply).toMatchObject({ id: replyId, status: "done" });
    for (const recorder of onOtherNodes) {
      await recorder.close();
      expect(assembledText(recorder.events, replyId)).toBe(reply?.content);
      expectNoRepeat(recorder.events);
    }
  }, 60_000);

  it("resumes on a third node a stream that followed a reply on a second, without a gap or a repeat", async () => {
    const conversationId = (await onA().post<{ id: string }>("/api/conversations", { title: "Moving" })).body.id;
    const first = await EventRecorder.follow(onB(), conversationId);
    const sent = await onA().post<{ assistantMessage: Message }>(`/api/conversations/${conversationId}/messages`, {
      content: "Write a long answer",
    });
    const replyId = sent.body.assistantMessage.id;
    await first.waitFor((events) => assembledText(events, replyId).length > 10);
    await first.close();
    const resumed = await EventRecorder.follow(onC(), conversationId, { lastEventId: first.lastEventId });
    await resumed.waitFor((events) => endOf(events, replyId) !== undefined);
    await resumed.close();
    const stored = await onB().get<{ data: Message[] }>(`/api/conversations/${conversationId}/messages`);
    const events = [...first.events, ...resumed.events];
    expect(assembledText(events, replyId)).toBe(stored.body.data.at(-1)?.content);
    expectNoRepeat(events);
  }, 60_000);

  it("stops a reply from a node other than the one writing it", async () => {
    const conversationId = (await onA().post<{ id: string }>("/api/conversations", { title: "Stopped" })).body.id;
    const watching = await EventRecorder.follow(onC(), conversationId);
    const sent = await onA().post<{ assistantMessage: Message }>(`/api/conversations/${conversationId}/messages`, {
      content: "Write a very long answer",
    });
    const replyId = sent.body.assistantMessage.id;
    await watching.waitFor((events) => assembledText(events, replyId).length > 0);
    const stop = await onB().post(`/api/messages/${replyId}/cancel`, {});
    expect([200, 202, 409]).toContain(stop.status);
    await watching.waitFor((events) => endOf(events, replyId) !== undefined);
    await watching.close();
    expect(endOf(watching.events, replyId)?.status).toMatch(/cancelled|done/);
  }, 60_000);

  it("leaves a reply held by its node to it, and interrupts it once that node is killed, while the others serve", async () => {
    const conversationId = (await onA().post<{ id: string }>("/api/conversations", { title: "Killed" })).body.id;
    const watching = await EventRecorder.follow(onB(), conversationId);
    const sent = await onA().post<{ assistantMessage: Message }>(`/api/conversations/${conversationId}/messages`, {
      content: "Write a very long answer",
    });
    const replyId = sent.body.assistantMessage.id;
    // It outlasts its 2 s lease (1,800 tokens take ≈ 3 s here) while the others look for orphans every
    // second: renewed, it is theirs to leave alone, and it ends as written.
    await watching.waitFor((events) => endOf(events, replyId) !== undefined);
    expect(endOf(watching.events, replyId)).toMatchObject({ status: "done" });

    const again = await onA().post<{ assistantMessage: Message }>(`/api/conversations/${conversationId}/messages`, {
      content: "And another one",
    });
    const killedId = again.body.assistantMessage.id;
    await watching.waitFor((events) => assembledText(events, killedId).length > 50);
    const writer = nodes[0] as HearthProcess;
    writer.child.kill("SIGKILL");
    await once(writer.child, "exit");
    await watching.waitFor((events) => endOf(events, killedId) !== undefined, 20_000);
    await watching.close();
    expect(endOf(watching.events, killedId)).toMatchObject({ status: "interrupted" });
    const stored = await onC().get<{ data: Message[] }>(`/api/conversations/${conversationId}/messages`);
    expect(stored.body.data.at(-1)).toMatchObject({ id: killedId, status: "interrupted" });
    expect(stored.body.data.at(-1)?.content).toBe(assembledText(watching.events, killedId));
    // The conversation goes on, on a node still up.
    const next = await onC().post(`/api/conversations/${conversationId}/messages`, { content: "Still there?" });
    expect(next.status).toBe(202);
  }, 90_000);
});
