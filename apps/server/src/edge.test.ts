/**
 * The small-device configuration (deploy/edge/hearth.config.json, docs/edge.md) on a Q4_0-quantized
 * model: it loads, starts, answers, and its tighter limits are the ones in force.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "./testing/conversations.ts";
import { type HearthProcess, spawnHearth, waitUntilRunning } from "./testing/hearth-process.ts";
import { type NodeSetup, nodeSetup, signInAdmin } from "./testing/node-setup.ts";
import type { TestClient } from "./testing/test-client.ts";

describe("the edge configuration", () => {
  let setup: NodeSetup;
  let hearth: HearthProcess;
  let ada: TestClient;

  beforeAll(async () => {
    setup = await nodeSetup("edge", { file: "tiny-q4", type: "q4_0", width: 128, layers: 4 });
    hearth = await spawnHearth({
      ...setup.env,
      HEARTH_CONFIG: "deploy/edge/hearth.config.json",
      // The file listens on every interface, as a device on a home network would; a test keeps to loopback.
      HOST: "127.0.0.1",
      // The file's 4 threads are a board's 4 cores; on a 2-core CI machine running other tests they
      // oversubscribe llama.cpp to a crawl. The limits under test are the file's.
      HEARTH_ENGINE_THREADS: "1",
      HEARTH_CHAT_MAX_REPLY_TOKENS: "64",
    });
    await waitUntilRunning(hearth);
    ada = await signInAdmin(hearth.url);
  }, 120_000);

  afterAll(async () => {
    hearth?.child.kill("SIGKILL");
    await setup?.remove();
  });

  it("answers with the quantized model, and holds a user to two replies in progress", async () => {
    const models = await ada.get<{ data: { id: string; isAvailable: boolean }[] }>("/api/models");
    expect(models.body.data).toEqual([expect.objectContaining({ id: "local/tiny-q4", isAvailable: true })]);
    const conversations = await Promise.all(
      [1, 2, 3].map(
        async (index) => (await ada.post<{ id: string }>("/api/conversations", { title: `Edge ${index}` })).body.id,
      ),
    );
    const sends = [];
    for (const id of conversations) {
      sends.push(
        await ada.post<{ assistantMessage: Message }>(`/api/conversations/${id}/messages`, { content: "Hello" }),
      );
    }
    expect(sends.map((send) => send.status)).toEqual([202, 202, 429]);
    expect(sends[2]?.body).toMatchObject({ code: "too-many-replies" });
    const first = sends[0]?.body.assistantMessage as Message;
    for (;;) {
      const messages = await ada.get<{ data: Message[] }>(`/api/conversations/${conversations[0]}/messages`);
      const reply = messages.body.data.find((message) => message.id === first.id);
      if (reply?.status === "done") {
        expect(reply.content.length).toBeGreaterThan(0);
        break;
      }
      expect(["pending", "streaming"]).toContain(reply?.status);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 120_000);
});
