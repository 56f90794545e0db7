/**
 * kill -9 in the middle of a reply: everything the API acknowledged survives, and the reply that was
 * being written is `interrupted` at the next start, with the text it had, never `streaming` forever.
 */
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabaseUrl } from "@hearth/db/testing";
import { writeTestModel } from "@hearth/engine/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "./testing/conversations.ts";
import { EventRecorder } from "./testing/event-recorder.ts";
import { type HearthProcess, spawnHearth, waitUntilRunning } from "./testing/hearth-process.ts";
import { assembledText, endOf } from "./testing/reply-events.ts";
import { TestClient } from "./testing/test-client.ts";
import { ADMIN } from "./testing/test-server.ts";

describe("a crash during a reply", () => {
  let dataDir: string;
  let modelsDir: string;
  let database: Awaited<ReturnType<typeof createTestDatabaseUrl>>;
  const children: HearthProcess[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "hearth-crash-"));
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-crash-models-"));
    await writeTestModel(join(modelsDir, "tiny-chat.gguf"));
    database = await createTestDatabaseUrl();
  });
  afterAll(async () => {
    for (const { child } of children) child.kill("SIGKILL");
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(modelsDir, { recursive: true, force: true });
  });

  async function startHearth(): Promise<HearthProcess> {
    const hearth = await spawnHearth({
      HEARTH_DATA_DIR: dataDir,
      HEARTH_MODELS_DIR: modelsDir,
      HEARTH_ENGINE_GPU: "off",
      HEARTH_ENGINE_CONTEXT_SIZE: "2048",
      // Long enough that the kill lands mid-reply.
      HEARTH_CHAT_MAX_REPLY_TOKENS: "1800",
      // On PostgreSQL (many nodes possible) a reply is interrupted once its node stopped renewing it.
      HEARTH_CHAT_REPLY_LEASE_SECONDS: "2",
      ...(database ? { DATABASE_URL: database.url } : {}),
    });
    children.push(hearth);
    await waitUntilRunning(hearth);
    return hearth;
  }

  it("keeps what was acknowledged and marks the reply interrupted at the next start, or once its lease ran out", async () => {
    const first = await startHearth();
    const ada = new TestClient(first.url);
    expect((await ada.post("/api/setup", ADMIN)).status).toBe(201);
    expect((await ada.logIn(ADMIN.email, ADMIN.password)).status).toBe(200);
    const conversationId = (await ada.post<{ id: string }>("/api/conversations", { title: "Before the crash" })).body
      .id;
    const stream = await EventRecorder.follow(ada, conversationId);
    const sent = await ada.post<{ userMessage: Message; assistantMessage: Message }>(
      `/api/conversations/${conversationId}/messages`,
      { content: "Write a very long answer" },
    );
    expect(sent.status).toBe(202);
    const replyId = sent.body.assistantMessage.id;
    await stream.waitFor((events) => assembledText(events, replyId).length > 20);

    first.child.kill("SIGKILL");
    await once(first.child, "exit");
    await stream.close();
    expect(endOf(stream.events, replyId)).toBeUndefined();
    const seen = assembledText(stream.events, replyId);

    const second = await startHearth();
    const after = new TestClient(second.url);
    expect((await after.logIn(ADMIN.email, ADMIN.password)).status).toBe(200);
    // At the next start (one node on its data dir), or within the lease (nodes on PostgreSQL).
    const readPath = () => after.get<{ data: Message[] }>(`/api/conversations/${conversationId}/messages`);
    await expect.poll(async () => (await readPath()).body.data[1]?.status, { timeout: 15_000 }).toBe("interrupted");
    const path = await readPath();
    expect(path.status).toBe(200);
    const [question, reply] = path.body.data;
    expect(question).toMatchObject({ id: sent.body.userMessage.id, content: "Write a very long answer" });
    expect(reply).toMatchObject({ id: replyId, status: "interrupted", error: expect.stringMatching(/stopped/) });
    // Every delta a client saw was stored before it was sent; the store may hold a little more.
    expect(reply?.content.startsWith(seen)).toBe(true);

    // The stream resumes from where the client was and finishes the story: the rest, then the end.
    const resumed = await EventRecorder.follow(after, conversationId, { lastEventId: stream.lastEventId });
    await resumed.waitFor((events) => endOf(events, replyId) !== undefined);
    await resumed.close();
    expect(endOf(resumed.events, replyId)).toMatchObject({ status: "interrupted" });
    expect(assembledText([...stream.events, ...resumed.events], replyId)).toBe(reply?.content);

    // And the conversation goes on.
    const next = await after.post<{ assistantMessage: Message }>(`/api/conversations/${conversationId}/messages`, {
      content: "Are you back?",
    });
    expect(next.status).toBe(202);
    second.child.kill("SIGTERM");
    await once(second.child, "exit");
  });
});
