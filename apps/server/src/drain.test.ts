/**
 * SIGTERM in the middle of a reply: the node drains. It stops taking requests (503 `node-draining`,
 * to be sent again elsewhere), ends its event streams with a reconnect hint, lets the reply finish,
 * and exits 0; a second signal stops at once, storing the reply as interrupted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "./testing/conversations.ts";
import { EventStreamClient } from "./testing/event-stream-client.ts";
import { type HearthProcess, spawnHearth, waitUntilRunning } from "./testing/hearth-process.ts";
import { type NodeSetup, nodeSetup, signInAdmin } from "./testing/node-setup.ts";
import type { TestClient } from "./testing/test-client.ts";

describe("draining on SIGTERM", () => {
  let setup: NodeSetup;
  const children: HearthProcess[] = [];

  beforeAll(async () => {
    setup = await nodeSetup("drain");
  });
  afterAll(async () => {
    for (const { child } of children) child.kill("SIGKILL");
    await setup?.remove();
  });

  async function start(): Promise<{ hearth: HearthProcess; ada: TestClient }> {
    const hearth = await spawnHearth({
      ...setup.env,
      HEARTH_ENGINE_CONTEXT_SIZE: "2048",
      HEARTH_CHAT_MAX_REPLY_TOKENS: "1800",
      HEARTH_SERVER_DRAIN_SECONDS: "60",
    });
    children.push(hearth);
    await waitUntilRunning(hearth);
    return { hearth, ada: await signInAdmin(hearth.url) };
  }

  async function startReply(ada: TestClient, title: string) {
    const conversationId = (await ada.post<{ id: string }>("/api/conversations", { title })).body.id;
    const stream = await EventStreamClient.open(ada, `/api/conversations/${conversationId}/events`);
    const sent = await ada.post<{ assistantMessage: Message }>(`/api/conversations/${conversationId}/messages`, {
      content: "Write a very long answer",
    });
    expect(sent.status).toBe(202);
    await stream.waitFor((events) => events.filter((event) => event.event === "message.delta").length > 3);
    return { conversationId, replyId: sent.body.assistantMessage.id, stream };
  }

  async function readReply(ada: TestClient, conversationId: string, replyId: string): Promise<Message | undefined> {
    const messages = await ada.get<{ data: Message[] }>(`/api/conversations/${conversationId}/messages`);
    return messages.body.data.find((message) => message.id === replyId);
  }

  it("refuses new requests, ends streams with a reconnect hint, lets the reply finish, and exits 0", async () => {
    const { hearth, ada } = await start();
    const { conversationId, replyId, stream } = await startReply(ada, "Drained");
    hearth.child.kill("SIGTERM");
    await stream.waitForEnd();
    expect(stream.endedCleanly).toBe(true);
    // A `retry:` under a second before the end, and no stream.closed (that one means "do not come back").
    expect(stream.retries.at(-1)).toBeLessThan(1000);
    expect(stream.events.map((event) => event.event)).not.toContain("stream.closed");

    const readiness = await fetch(`${hearth.url}/readyz`);
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toMatchObject({ status: "draining" });
    const refused = await ada.post(`/api/conversations/${conversationId}/messages`, { content: "More" });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: "node-draining" });
    expect(refused.headers.get("Retry-After")).toBe("0");
    const openAi = await ada.get("/v1/models");
    expect(openAi.status).toBe(503);
    expect(openAi.body).toMatchObject({ error: { code: "node_draining" } });

    expect(await hearth.exited).toBe(0);
    const after = await start();
    const reply = await readReply(after.ada, conversationId, replyId);
    expect(reply?.status).toBe("done");
    expect(reply?.content.length).toBeGreaterThan(0);
    after.hearth.child.kill("SIGTERM");
    expect(await after.hearth.exited).toBe(0);
  }, 120_000);

  it("stops at once on a second signal, storing the reply being written as interrupted with its text", async () => {
    const { hearth, ada } = await start();
    const { conversationId, replyId } = await startReply(ada, "Stopped twice");
    hearth.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 100));
    hearth.child.kill("SIGTERM");
    expect(await hearth.exited).toBe(0);
    const after = await start();
    const reply = await readReply(after.ada, conversationId, replyId);
    expect(reply?.status).toBe("interrupted");
    expect(reply?.content.length).toBeGreaterThan(0);
  }, 120_000);
});
