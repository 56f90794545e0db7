/**
 * The small-device configuration (deploy/edge/hearth.config.json, docs/edge.md) on a Q4_0-quantized
 * model: it loads, starts, answers, and its tighter limits are the ones in force.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Message } from "./testing/conversations.ts";
import { type HearthProcess, spawnHearth, waitUntilRunning } from "./testing/hearth-process.ts";
import { TestClient } from "./testing/test-client.ts";
import { ADMIN } from "./testing/test-server.ts";

describe("the edge configuration", () => {
  let dir: string;
  let hearth: HearthProcess;
  let ada: TestClient;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "hearth-edge-"));
    await mkdir(join(dir, "models"));
    await writeTestModel(join(dir, "models", "tiny-q4.gguf"), { type: "q4_0", width: 128, layers: 4 });
    hearth = await spawnHearth({
      HEARTH_CONFIG: "deploy/edge/hearth.config.json",
      HEARTH_DATA_DIR: dir,
      // The file listens on every interface, as a device on a home network would; a test keeps to loopback.
      HOST: "127.0.0.1",
    });
    await waitUntilRunning(hearth);
    ada = new TestClient(hearth.url);
    expect((await ada.post("/api/setup", ADMIN)).status).toBe(201);
    expect((await ada.logIn(ADMIN.email, ADMIN.password)).status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    hearth?.child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
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
  }, 60_000);
});
