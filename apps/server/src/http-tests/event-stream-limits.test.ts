import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createConversation,
  EventStreamClient,
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

const eventsPath = (conversationId: string) => `/api/conversations/${conversationId}/events`;

/** Polls /metrics until `pattern` matches (or gives up after a few seconds) and returns the last text. */
async function metricsMatching(server: TestServer, pattern: RegExp): Promise<string> {
  let metrics = "";
  for (let attempt = 0; attempt < 100; attempt++) {
    metrics = await server.metricsText();
    if (pattern.test(metrics)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return metrics;
}

describe("event streams and their connections (issue: harden the core, item 3)", () => {
  let server: TestServer;
  let ada: TestClient;
  beforeAll(async () => {
    server = await startTestServer({
      modelsDir,
      engine: { gpu: "off", contextSize: 512 },
      limits: { eventStreams: 3 },
    });
    ada = await signedInAdmin(server);
  });
  afterAll(() => server.close());

  it("answers HEAD with the stream's headers and opens no stream", async () => {
    const conversationId = await createConversation(ada);
    for (let index = 0; index < 30; index++) {
      const response = await ada.request("HEAD", `/api/conversations/${conversationId}/events`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
      expect(response.text).toBe("");
    }
    const metrics = await metricsMatching(server, /hearth_sse_streams_active 0\b/);
    expect(metrics).toMatch(/hearth_sse_streams_active 0\b/);
    expect(await openStreamRows(server)).toBe(0);
  });

  it("ends the stream of a client that disconnects before its first byte", async () => {
    const conversationId = await createConversation(ada);
    const { hostname, port } = new URL(server.url);
    const cookie = [...ada.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    for (let index = 0; index < 10; index++) {
      const socket = connect(Number(port), hostname);
      await new Promise((resolve) => socket.once("connect", resolve));
      socket.write(
        `GET /api/conversations/${conversationId}/events HTTP/1.1\r\nHost: ${hostname}:${port}\r\n` +
          `Cookie: ${cookie}\r\nAccept: text/event-stream\r\n\r\n`,
      );
      socket.destroy();
    }
    const metrics = await metricsMatching(server, /hearth_sse_streams_active 0\b/);
    expect(metrics).toMatch(/hearth_sse_streams_active 0\b/);
  });

  it("refuses a user's stream past their cap with 429 limit-exceeded, and admits one again after one closes", async () => {
    const { client: bob } = await signedInUser(server, ada, {
      username: "bob",
      email: "bob@example.com",
      password: "a long enough password",
    });
    const conversationId = await createConversation(bob);
    // Opened all at once: the user's row lock counts them one after another.
    const opened = await Promise.all(
      Array.from({ length: 6 }, () => EventStreamClient.open(bob, eventsPath(conversationId))),
    );
    const admitted = opened.filter((stream) => stream.status === 200);
    expect(admitted).toHaveLength(3);
    const refused = await bob.get(eventsPath(conversationId));
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ code: "limit-exceeded", limit: "eventStreams", value: 3 });
    expect((refused.body as { detail: string }).detail).toMatch(/3 open event streams/);

    // Another user is not affected by bob's streams.
    const adaConversation = await createConversation(ada);
    const adaStream = await EventStreamClient.open(ada, eventsPath(adaConversation));
    expect(adaStream.status).toBe(200);
    await adaStream.close();

    // Once one of bob's streams closes, a new one is let in.
    await (admitted[0] as EventStreamClient).close();
    let reopened: EventStreamClient | undefined;
    for (let attempt = 0; attempt < 100 && reopened?.status !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      reopened = await EventStreamClient.open(bob, eventsPath(conversationId));
    }
    expect(reopened?.status).toBe(200);
    for (const stream of [...admitted, reopened as EventStreamClient]) await stream.close();
    await metricsMatching(server, /hearth_sse_streams_active 0\b/);
    expect(await openStreamRows(server)).toBe(0);
  });

  it("lets an admin raise one user's stream cap", async () => {
    const { client: carol, id } = await signedInUser(server, ada, {
      username: "carol",
      email: "carol@example.com",
      password: "a long enough password",
    });
    expect((await ada.patch(`/api/admin/users/${id}/limits`, { eventStreams: 5 })).status).toBe(200);
    const conversationId = await createConversation(carol);
    const streams: EventStreamClient[] = [];
    for (let index = 0; index < 5; index++)
      streams.push(await EventStreamClient.open(carol, eventsPath(conversationId)));
    expect(streams.map((stream) => stream.status)).toEqual([200, 200, 200, 200, 200]);
    const refused = await carol.get(eventsPath(conversationId));
    expect(refused.body).toMatchObject({ code: "limit-exceeded", limit: "eventStreams", value: 5 });
    for (const stream of streams) await stream.close();
  });
});

async function openStreamRows(server: TestServer): Promise<number> {
  let count = -1;
  for (let attempt = 0; attempt < 100 && count !== 0; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    const { rows } = await server.db.query<{ count: number }>("SELECT count(*)::int AS count FROM event_streams");
    count = rows[0]?.count ?? -1;
  }
  return count;
}
