import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createConversation,
  EventStreamClient,
  type ServerSentEvent,
  sendMessage,
  signedInAdmin,
  signedInUser,
  startTestServer,
  type TestClient,
  type TestServer,
} from "../testing/index.ts";

let modelsDir: string;
beforeAll(async () => {
  modelsDir = await mkdtemp(join(tmpdir(), "hearth-models-"));
  await writeTestModel(join(modelsDir, "tiny-chat.gguf"));
});
afterAll(() => rm(modelsDir, { recursive: true, force: true }));

/** What "within seconds" means here: the check runs every second in these tests. */
const ENDS_WITHIN_MS = 5000;

const eventsPath = (conversationId: string) => `/api/conversations/${conversationId}/events`;

/** The events that carry anything about `messageId` (its creation, deltas, end). */
const about = (events: readonly ServerSentEvent[], messageId: string) =>
  events.filter((event) => event.data.includes(messageId));

const closedNotice = (events: readonly ServerSentEvent[]) => events.find((event) => event.event === "stream.closed");

describe("event streams when their credential ends (issue: harden the core, item 2)", () => {
  let server: TestServer;
  let ada: TestClient;
  let userCount = 0;
  beforeAll(async () => {
    server = await startTestServer({
      modelsDir,
      engine: { gpu: "off", contextSize: 512 },
      chat: { maxReplyTokens: 8, streamAuthCheckSeconds: 1 },
    });
    ada = await signedInAdmin(server);
  });
  afterAll(() => server.close());

  const newUser = async () => {
    userCount += 1;
    const user = {
      username: `bob${userCount}`,
      email: `bob${userCount}@example.com`,
      password: "a long enough password",
    };
    const { client, id } = await signedInUser(server, ada, user);
    const secondSession = server.client();
    await secondSession.logIn(user.email, user.password);
    return { client, id, secondSession, ...user };
  };

  const newApiKey = async (client: TestClient) => {
    const created = await client.post<{ id: string; key: string }>("/api/api-keys", { name: "script" });
    expect(created.status).toBe(201);
    return created.body;
  };

  const openWithKey = (key: string, conversationId: string) =>
    EventStreamClient.open(server.client(), eventsPath(conversationId), undefined, { Authorization: `Bearer ${key}` });

  it("ends a stream opened with an API key once the key is revoked, before a later message reaches it", async () => {
    const bob = await newUser();
    const conversationId = await createConversation(bob.client);
    const key = await newApiKey(bob.client);
    const stream = await openWithKey(key.key, conversationId);
    expect(stream.status).toBe(200);

    expect((await bob.client.delete(`/api/api-keys/${key.id}`)).status).toBe(204);
    const after = await sendMessage(bob.client, conversationId, "Sent after the key was revoked");
    await stream.waitForEnd(ENDS_WITHIN_MS);

    expect(about(stream.events, after.userMessage.id)).toEqual([]);
    expect(closedNotice(stream.events)?.data).toMatch(/API key is no longer valid/);
  });

  it("ends a session's streams when it signs out, before a message from another session reaches them", async () => {
    const bob = await newUser();
    const conversationId = await createConversation(bob.client);
    const stream = await EventStreamClient.open(bob.client, eventsPath(conversationId));
    expect(stream.status).toBe(200);
    const otherSessionStream = await EventStreamClient.open(bob.secondSession, eventsPath(conversationId));

    expect((await bob.client.post("/api/auth/logout")).status).toBe(204);
    const after = await sendMessage(bob.secondSession, conversationId, "Sent after the first session signed out");
    await stream.waitForEnd(ENDS_WITHIN_MS);

    expect(about(stream.events, after.userMessage.id)).toEqual([]);
    expect(closedNotice(stream.events)?.data).toMatch(/session has ended/);
    // The session that is still signed in keeps its stream.
    await otherSessionStream.waitFor((events) => about(events, after.userMessage.id).length > 0);
    expect(otherSessionStream.ended).toBe(false);
    await otherSessionStream.close();
  });

  it("ends every stream of a user an admin disables, sessions and API keys alike", async () => {
    const bob = await newUser();
    const conversationId = await createConversation(bob.client);
    const key = await newApiKey(bob.client);
    const bySession = await EventStreamClient.open(bob.client, eventsPath(conversationId));
    const byKey = await openWithKey(key.key, conversationId);

    expect((await ada.patch(`/api/admin/users/${bob.id}`, { disabled: true })).status).toBe(200);
    // Enabled again at once: the streams stay ended, and what bob sends next never reaches them.
    expect((await ada.patch(`/api/admin/users/${bob.id}`, { disabled: false })).status).toBe(200);
    const again = server.client();
    expect((await again.logIn(bob.email, bob.password)).status).toBe(200);
    const after = await sendMessage(again, conversationId, "Sent after being disabled and enabled again");
    await bySession.waitForEnd(ENDS_WITHIN_MS);
    await byKey.waitForEnd(ENDS_WITHIN_MS);

    for (const stream of [bySession, byKey]) {
      expect(about(stream.events, after.userMessage.id)).toEqual([]);
      expect(closedNotice(stream.events)).toBeDefined();
    }
  });

  it("ends streams whose credential was revoked in the database by another node, at the next check", async () => {
    const bob = await newUser();
    const conversationId = await createConversation(bob.client);
    const key = await newApiKey(bob.client);
    const byKey = await openWithKey(key.key, conversationId);
    const bySession = await EventStreamClient.open(bob.client, eventsPath(conversationId));
    const untouched = await EventStreamClient.open(bob.secondSession, eventsPath(conversationId));

    // What another node's DELETE /api/api-keys/{id} and POST /api/auth/logout write; this node hears nothing.
    await server.db.query("DELETE FROM api_keys WHERE id = $1", [key.id]);
    const sessionToken = bob.client.cookies.get("hearth_session") as string;
    const sessionId = createHash("sha256").update(sessionToken).digest("hex");
    expect((await server.db.query("DELETE FROM sessions WHERE token_hash = $1", [sessionId])).rowCount).toBe(1);

    await byKey.waitForEnd(ENDS_WITHIN_MS);
    await bySession.waitForEnd(ENDS_WITHIN_MS);
    expect(closedNotice(byKey.events)).toBeDefined();
    expect(closedNotice(bySession.events)).toBeDefined();
    const metrics = await server.metricsText();
    expect(metrics).toMatch(/hearth_sse_streams_closed_total\{reason="revoked"\} [1-9]/);

    const after = await sendMessage(bob.secondSession, conversationId, "Still signed in here");
    await untouched.waitFor((events) => about(events, after.userMessage.id).length > 0);
    await untouched.close();
  });

  it("ends a session's streams once the session has been idle past its limit", async () => {
    const bob = await newUser();
    const conversationId = await createConversation(bob.client);
    const stream = await EventStreamClient.open(bob.client, eventsPath(conversationId));
    // The stream is no use of the session: an unattended tab's session still goes idle.
    server.clock.advance(server.config.auth.sessionIdleSeconds + 1);
    await stream.waitForEnd(ENDS_WITHIN_MS);
    expect(closedNotice(stream.events)?.data).toMatch(/session has ended/);
  });
});
