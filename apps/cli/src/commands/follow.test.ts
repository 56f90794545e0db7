import { mkdtemp, rm } from "node:fs/promises";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { followConversation, type HearthClient, type ReceivedEvent, unwrap } from "@hearth/sdk";
import { startTestServer, type TestServer } from "@hearth/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sanitizeTerminalText } from "../chat/sanitize-terminal-text.ts";
import { startHearth } from "../chat/testing/live-hearth.ts";
import { adminApiKey } from "../testing/admin-api-key.ts";

/** A TCP proxy in front of the server whose connections the test can cut, as a network that drops would. */
class DroppingProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  url = "";

  constructor(target: URL) {
    this.#server = createServer((client) => {
      const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on("close", () => this.#sockets.delete(socket));
        socket.on("error", () => {});
      }
      client.pipe(upstream).pipe(client);
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as { port: number }).port}`;
  }

  /** Cuts every open connection (new ones are let through). */
  drop(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.drop();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

describe("hearth follow, against a real server and engine", { timeout: 90_000 }, () => {
  let workDir: string;
  let server: TestServer;
  let hearth: HearthClient;
  let key: string;
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "hearth-cli-follow-"));
    await writeTestModel(join(workDir, "tiny-chat.gguf"));
    server = await startTestServer({
      modelsDir: workDir,
      engine: { gpu: "off", contextSize: 2048 },
      // Long enough that the connection is cut while the reply streams.
      chat: { maxReplyTokens: 1500 },
    });
    ({ hearth, key } = await adminApiKey(server.url));
  });
  afterAll(async () => {
    await server.close();
    await rm(workDir, { recursive: true, force: true });
  });

  const envFor = (url: string) => ({
    HEARTH_URL: url,
    HEARTH_API_KEY: key,
    HEARTH_CONFIG_DIR: join(workDir, "config"),
  });

  async function newConversation(): Promise<string> {
    return unwrap(await hearth.api.POST("/api/conversations", { body: { title: "Followed" } })).id;
  }

  async function send(conversationId: string, content: string): Promise<string> {
    const exchange = unwrap(
      await hearth.api.POST("/api/conversations/{id}/messages", {
        params: { path: { id: conversationId } },
        body: { content },
      }),
    );
    return exchange.assistantMessage.id;
  }

  const isEndOf = (event: ReceivedEvent, replyId: string) =>
    (event.type === "message.done" || event.type === "message.error") && event.data.messageId === replyId;

  /** Every event the server keeps for the conversation, up to the end of `replyId`. */
  async function loggedEvents(conversationId: string, replyId: string): Promise<ReceivedEvent[]> {
    const stop = new AbortController();
    const events: ReceivedEvent[] = [];
    for await (const event of followConversation(hearth, conversationId, { lastEventId: 0, signal: stop.signal })) {
      events.push(event);
      if (isEndOf(event, replyId)) break;
    }
    stop.abort();
    return events;
  }

  it("prints every event once and in order as NDJSON across a dropped connection", async () => {
    const proxy = new DroppingProxy(new URL(server.url));
    await proxy.listen();
    const conversationId = await newConversation();
    // From the conversation's first event: nothing is missed however late the stream opens.
    const follow = startHearth(["--json", "follow", conversationId, "--after", "0"], envFor(proxy.url));
    const printed = () =>
      follow
        .stdout()
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as ReceivedEvent);
    try {
      const replyId = await send(conversationId, "Write a very long answer");
      await follow.waitFor(() => printed().filter((event) => event.type === "message.delta").length >= 5, "deltas");
      proxy.drop();
      await follow.waitFor(() => follow.stderr().includes("Reconnected"), "the reconnection");
      await follow.waitFor(() => printed().some((event) => isEndOf(event, replyId)), "the reply's end");
      follow.kill("SIGINT");
      expect(await follow.exited).toBe(0);

      expect(follow.stderr()).toBe(
        "Connection to the server lost; reconnecting…\nReconnected; resuming after the last event.\n",
      );
      const ids = printed().map((event) => event.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual([...ids].sort((a, b) => (a ?? 0) - (b ?? 0)));
      // Every event the server logged up to the reply's end, none missed across the cut, none twice.
      const untilEnd = printed().slice(0, printed().findIndex((event) => isEndOf(event, replyId)) + 1);
      expect(untilEnd).toEqual(await loggedEvents(conversationId, replyId));
    } finally {
      follow.kill("SIGKILL");
      await proxy.close();
    }
  });

  it("prints a reply as text under a header per message, ending with its status", async () => {
    const conversationId = await newConversation();
    const follow = startHearth(["follow", conversationId, "--after", "0"], envFor(server.url));
    try {
      const replyId = await send(conversationId, "Say something");
      await follow.waitFor(() => /\[(done|cancelled|interrupted|error)/.test(follow.stdout()), "the reply's end");
      follow.kill("SIGINT");
      expect(await follow.exited).toBe(0);
      const stored = unwrap(
        await hearth.api.GET("/api/conversations/{id}/messages", { params: { path: { id: conversationId } } }),
      ).data.find((message) => message.id === replyId);
      const lines = follow.stdout().split("\n");
      expect(lines[0]).toMatch(/^── you · \d{4}-\d\d-\d\d \d\d:\d\d ──$/);
      expect(lines[1]).toBe("Say something");
      expect(lines[2]).toMatch(/^── assistant \(local\/tiny-chat\) · .* ──$/);
      expect(follow.stdout()).toContain(`${sanitizeTerminalText(stored?.content ?? "").trimEnd()}\n[done · `);
    } finally {
      follow.kill("SIGKILL");
    }
  });

  it("fails with one line for a conversation that does not exist", async () => {
    const follow = startHearth(["follow", "0b5c1e4e-0000-4000-8000-000000000000"], envFor(server.url));
    expect(await follow.exited).toBe(1);
    expect(follow.stderr()).toMatch(/^hearth: .*\(404 conversation-not-found\)\n$/);
  });
});
