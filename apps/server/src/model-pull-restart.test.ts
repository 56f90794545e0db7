/**
 * A model pull survives its process: killed -9 partway, Hearth resumes it at the next start (among
 * nodes, once its lease ran out) from the chunks already on disk, and the model ends whole.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HearthProcess, spawnHearth, waitUntilRunning } from "./testing/hearth-process.ts";
import { type HuggingFaceStandIn, startHuggingFaceStandIn } from "./testing/hugging-face-stand-in.ts";
import { type NodeSetup, nodeSetup, signInAdmin } from "./testing/node-setup.ts";
import type { TestClient } from "./testing/test-client.ts";

interface Pull {
  id: string;
  status: string;
  downloadedBytes: number;
  totalBytes: number;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
/** ipull's chunk: progress is kept per chunk, so a resumed download skips the chunks already written. */
const CHUNK = 5 * 1024 * 1024;

describe("a model pull killed -9 partway", () => {
  let hub: HuggingFaceStandIn;
  let setup: NodeSetup;
  let model: Buffer;
  const children: HearthProcess[] = [];

  beforeAll(async () => {
    setup = await nodeSetup("pull-restart");
    const source = join(setup.env.HEARTH_DATA_DIR as string, "source.gguf");
    await writeTestModel(source, { width: 512, layers: 2 });
    model = await readFile(source);
    hub = await startHuggingFaceStandIn();
    hub.repos.set("hearth/big-GGUF", { files: new Map([["big.gguf", model]]), tags: new Map() });
  });
  afterAll(async () => {
    for (const { child } of children) child.kill("SIGKILL");
    await hub?.close();
    await setup?.remove();
  });

  async function start(): Promise<HearthProcess> {
    const hearth = await spawnHearth({
      ...setup.env,
      HF_ENDPOINT: hub.url,
      HEARTH_CHAT_REPLY_LEASE_SECONDS: "2",
    });
    children.push(hearth);
    await waitUntilRunning(hearth);
    return hearth;
  }

  const pullOf = async (client: TestClient, id: string) =>
    (await client.get<Pull>(`/api/admin/models/pulls/${id}`)).body;

  it("resumes at the next start from the chunks on disk, and the model ends whole", async () => {
    hub.bytesPerSecond = 1024 * 1024;
    const first = await start();
    const admin = await signInAdmin(first.url);
    const started = await admin.post<Pull>("/api/admin/models/pulls", { source: "hf:hearth/big-GGUF/big.gguf" });
    expect(started.status).toBe(202);
    // Past three chunks' worth: with three streams at once, at least one chunk is written whole.
    while ((await pullOf(admin, started.body.id)).downloadedBytes < 3 * CHUNK + 1024 * 1024) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    first.child.kill("SIGKILL");
    await first.exited;
    const beforeRestart = hub.requests.length;
    hub.bytesPerSecond = undefined;
    const second = await start();
    const again = await signInAdmin(second.url);
    let pull = await pullOf(again, started.body.id);
    for (let waited = 0; pull.status !== "done" && waited < 600; waited++) {
      expect(["downloading", "verifying"]).toContain(pull.status);
      await new Promise((resolve) => setTimeout(resolve, 100));
      pull = await pullOf(again, started.body.id);
    }
    expect(pull).toMatchObject({ status: "done", downloadedBytes: model.length });
    const modelsDir = setup.env.HEARTH_MODELS_DIR as string;
    expect(sha256(await readFile(join(modelsDir, "big.gguf")))).toBe(sha256(model));
    expect((await readdir(modelsDir)).sort()).toEqual(["big.gguf", "tiny-chat.gguf"]);
    // The resumed download asked only for the chunks that were missing, not for every one again.
    const chunksAsked = new Set(
      hub.requests
        .slice(beforeRestart)
        .map((request) => /bytes=(\d+-\d+)/.exec(request)?.[1])
        .filter((range) => range !== undefined && range !== "0-0"),
    );
    expect(chunksAsked.size).toBeGreaterThan(0);
    expect(chunksAsked.size).toBeLessThan(Math.ceil(model.length / CHUNK));
  }, 120_000);
});
