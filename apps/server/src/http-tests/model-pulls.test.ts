/**
 * Admins pull GGUF models through node-llama-cpp's downloader from a stand-in Hugging Face Hub
 * (its manifest and resolve URLs, byte ranges) into the models dir, follow the progress, cancel,
 * and remove models; every failure leaves no model and no staged bytes behind.
 */
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createConversation, sendMessage, settledReply } from "../testing/conversations.ts";
import { EventStreamClient } from "../testing/event-stream-client.ts";
import { type HuggingFaceStandIn, startHuggingFaceStandIn } from "../testing/hugging-face-stand-in.ts";
import { signedInAdmin, signedInUser, startTestServer, type TestClient, type TestServer } from "../testing/index.ts";

interface Pull {
  id: string;
  status: string;
  fileName: string;
  modelId: string;
  totalBytes: number;
  downloadedBytes: number;
  bytesPerSecond: number;
  error: string | null;
}

const PULLS = "/api/admin/models/pulls";
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("model pulls", () => {
  let hub: HuggingFaceStandIn;
  let server: TestServer;
  let modelsDir: string;
  let admin: TestClient;
  /** A real GGUF of several of the downloader's 5 MB chunks. */
  let model: Buffer;
  let small: Buffer;

  beforeAll(async () => {
    const scratch = await mkdtemp(join(tmpdir(), "hearth-pull-src-"));
    await writeTestModel(join(scratch, "big.gguf"), { width: 512, layers: 2 });
    await writeTestModel(join(scratch, "small.gguf"));
    model = await readFile(join(scratch, "big.gguf"));
    small = await readFile(join(scratch, "small.gguf"));
    await rm(scratch, { recursive: true, force: true });
    hub = await startHuggingFaceStandIn();
    hub.repos.set("hearth/tiny-GGUF", {
      files: new Map([
        ["tiny-Q4_K_M.gguf", model],
        ["tiny-small.gguf", small],
        ["notes.txt", Buffer.from("not a model")],
      ]),
      tags: new Map([["Q4_K_M", "tiny-Q4_K_M.gguf"]]),
    });
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-pull-models-"));
    server = await startTestServer({
      modelsDir,
      engine: { gpu: "off", contextSize: 256 },
      chat: { maxReplyTokens: 4 },
      models: { huggingFaceEndpoint: hub.url, listCacheSeconds: 1 },
    });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await hub?.close();
    await rm(modelsDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await server.reset();
    admin = await signedInAdmin(server);
    hub.bytesPerSecond = undefined;
    hub.cutNextAfter = undefined;
    hub.requests.length = 0;
    for (const name of await readdir(modelsDir)) await rm(join(modelsDir, name), { recursive: true, force: true });
  });

  /** Follows a pull's events to its end: every progress event, and the end. */
  async function follow(id: string): Promise<{ progress: Pull[]; end: Pull }> {
    const stream = await EventStreamClient.open(admin, `${PULLS}/${id}/events`);
    const events = await stream.waitForEnd(60_000);
    await stream.close();
    const end = events.find((event) => event.event === "end");
    if (end === undefined) throw new Error("the stream ended without an end event");
    const progress = events
      .filter((event) => event.event === "progress")
      .map((event) => JSON.parse(event.data) as Pull);
    return { progress, end: JSON.parse(end.data) as Pull };
  }

  const staged = async () => (await readdir(join(modelsDir, ".pulls")).catch(() => [])).length;

  it("pulls hf:user/repo:QUANT with progress events, and the model lists, answers, and can be removed", async () => {
    hub.bytesPerSecond = 8 * 1024 * 1024;
    const started = await admin.post<Pull>(PULLS, { source: "hf:hearth/tiny-GGUF:Q4_K_M" });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({
      status: "downloading",
      fileName: "tiny.Q4_K_M.gguf",
      totalBytes: model.length,
    });
    const { progress, end } = await follow(started.body.id);
    expect(end).toMatchObject({ status: "done", downloadedBytes: model.length, error: null });
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.some((event) => event.downloadedBytes > 0 && event.downloadedBytes < model.length)).toBe(true);
    expect(progress.some((event) => event.bytesPerSecond > 0)).toBe(true);
    expect(await readdir(modelsDir)).toEqual(["tiny.Q4_K_M.gguf"]);
    expect(sha256(await readFile(join(modelsDir, "tiny.Q4_K_M.gguf")))).toBe(sha256(model));
    const models = await admin.get<{ data: { id: string }[] }>("/api/models");
    expect(models.body.data.map((entry) => entry.id)).toContain("local/tiny.Q4_K_M");
    const details = await admin.get("/api/admin/local-models/local%2Ftiny.Q4_K_M");
    expect(details.body).toMatchObject({
      id: "local/tiny.Q4_K_M",
      fileName: "tiny.Q4_K_M.gguf",
      sizeBytes: model.length,
      architecture: "llama",
      name: "hearth-test-model",
      contextLength: 2048,
      embeddingLength: 512,
      layers: 2,
      chatFormat: "ChatML",
    });
    expect((details.body as { parameters: number }).parameters).toBeGreaterThan(5_000_000);
    expect((details.body as { chatTemplate: string }).chatTemplate).toContain("<|im_start|>");
    expect((await admin.get("/api/admin/local-models/tiny.Q4_K_M")).status).toBe(200);
    for (const id of ["local%2Fabsent", "..%2F..%2Fetc%2Fpasswd", "local%2F.pulls", "local%2F"]) {
      expect((await admin.get(`/api/admin/local-models/${id}`)).body, id).toMatchObject({
        code: "local-model-not-found",
      });
    }
    const loaded = await admin.post("/api/admin/local-models/load", { model: "local/tiny.Q4_K_M" });
    expect(loaded.body).toEqual({ model: "local/tiny.Q4_K_M", isLoaded: true, outcome: "loaded" });
    const listed = await admin.get<{ data: { id: string; isLoaded: boolean }[] }>("/api/models");
    expect(listed.body.data.find((entry) => entry.id === "local/tiny.Q4_K_M")?.isLoaded).toBe(true);
    // A call holding one of its sequences keeps it loaded.
    const key = (await admin.post<{ key: string }>("/api/api-keys", { name: "streaming" })).body.key;
    const stream = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        model: "local/tiny.Q4_K_M",
        messages: [{ role: "user", content: "Hi" }],
        stream: true,
        max_tokens: 200,
      }),
    });
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const refused = await admin.post("/api/admin/local-models/unload", { model: "local/tiny.Q4_K_M" });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: "model-in-use" });
    await reader.cancel();
    let unloaded = await admin.post<{ outcome: string }>("/api/admin/local-models/unload", { model: "tiny.Q4_K_M" });
    for (let attempt = 0; unloaded.status === 409 && attempt < 50; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      unloaded = await admin.post<{ outcome: string }>("/api/admin/local-models/unload", { model: "tiny.Q4_K_M" });
    }
    expect(unloaded.body).toEqual({ model: "local/tiny.Q4_K_M", isLoaded: false, outcome: "unloaded" });
    expect((await admin.post("/api/admin/local-models/unload", { model: "tiny.Q4_K_M" })).body).toMatchObject({
      outcome: "not-loaded",
    });
    expect((await admin.post("/api/admin/local-models/load", { model: "local/absent" })).status).toBe(404);
    const conversationId = await createConversation(admin, { model: "local/tiny.Q4_K_M" });
    const sent = await sendMessage(admin, conversationId, "Hello");
    expect((await settledReply(admin, conversationId, sent.assistantMessage.id)).status).toBe("done");
    await server.idle();
    expect((await admin.delete("/api/admin/local-models/local%2Ftiny.Q4_K_M")).status).toBe(204);
    expect(await readdir(modelsDir)).toEqual([]);
    expect((await admin.delete("/api/admin/local-models/local/tiny.Q4_K_M")).body).toMatchObject({
      code: "local-model-not-found",
    });
  }, 60_000);

  it("checks a given sha256: a match is stored, a mismatch fails and keeps nothing", async () => {
    const good = await admin.post<Pull>(PULLS, {
      source: "hf:hearth/tiny-GGUF/tiny-small.gguf",
      sha256: sha256(small),
    });
    expect(good.status).toBe(202);
    expect((await follow(good.body.id)).end).toMatchObject({ status: "done", fileName: "tiny-small.gguf" });
    const wrong = await admin.post<Pull>(PULLS, {
      source: "hf:hearth/tiny-GGUF/tiny-small.gguf",
      fileName: "other.gguf",
      sha256: "0".repeat(64),
    });
    const { end } = await follow(wrong.body.id);
    expect(end.status).toBe("failed");
    expect(end.error).toContain("sha256");
    expect(await readdir(modelsDir)).toEqual(["tiny-small.gguf"]);
    expect(await staged()).toBe(0);
  }, 60_000);

  it("checks every file against the sha256 the hub publishes, and shows the one it verified", async () => {
    const tagged = await admin.post<Pull & { sha256: string | null }>(PULLS, {
      source: "hf:hearth/tiny-GGUF:Q4_K_M",
      fileName: "tagged.gguf",
    });
    const { end } = await follow(tagged.body.id);
    expect(end).toMatchObject({ status: "done", sha256: sha256(model) });
    // The hub was asked for the file's sha256 without following its redirect to the storage.
    expect(hub.requests).toContain("HEAD /hearth/tiny-GGUF/resolve/main/tiny-Q4_K_M.gguf");

    // The storage's bytes are not those the hub vouches for (a corrupted or tampered store).
    hub.repos.set("hearth/tampered-GGUF", {
      files: new Map([["t.gguf", small]]),
      tags: new Map(),
      published: new Map([["t.gguf", sha256(model)]]),
    });
    for (const source of ["hf:hearth/tampered-GGUF/t.gguf", `${hub.url}hearth/tampered-GGUF/resolve/main/t.gguf`]) {
      const tampered = await admin.post<Pull>(PULLS, { source });
      expect(tampered.status).toBe(202);
      const failed = (await follow(tampered.body.id)).end;
      expect(failed.status).toBe("failed");
      expect(failed.error).toContain(
        `t.gguf's sha256 is ${sha256(small)}, not ${sha256(model)} as its source publishes`,
      );
    }
    expect((await readdir(modelsDir)).sort()).toEqual(["tagged.gguf"]);
    expect(await staged()).toBe(0);
  }, 60_000);

  it("checks each part of a split model against the sha256 the hub publishes for it", async () => {
    const half = Math.floor(model.length / 2);
    const parts = new Map([
      ["s-00001-of-00002.gguf", model.subarray(0, half)],
      ["s-00002-of-00002.gguf", model.subarray(half)],
    ]);
    hub.repos.set("hearth/split-GGUF", { files: parts, tags: new Map() });
    const whole = await admin.post<Pull>(PULLS, { source: "hf:hearth/split-GGUF/s-00001-of-00002.gguf" });
    expect((await follow(whole.body.id)).end.status).toBe("done");
    expect(hub.requests).toContain("HEAD /hearth/split-GGUF/resolve/main/s-00002-of-00002.gguf");
    // Stored under node-llama-cpp's names for parts (the repo's name before each).
    const stored = (await readdir(modelsDir)).sort();
    expect(stored).toEqual([...parts.keys()].map((name) => `split-GGUF_${name}`));
    for (const [name, bytes] of parts) {
      expect(sha256(await readFile(join(modelsDir, `split-GGUF_${name}`)))).toBe(sha256(bytes));
    }

    for (const name of stored) await rm(join(modelsDir, name));
    hub.repos.set("hearth/split-GGUF", {
      files: parts,
      tags: new Map(),
      published: new Map([["s-00002-of-00002.gguf", "0".repeat(64)]]),
    });
    const tampered = await admin.post<Pull>(PULLS, { source: "hf:hearth/split-GGUF/s-00001-of-00002.gguf" });
    const { end } = await follow(tampered.body.id);
    expect(end.status).toBe("failed");
    expect(end.error).toContain("s-00002-of-00002.gguf's sha256");
    expect(await readdir(modelsDir)).toEqual([]);
  }, 60_000);

  it("goes on after a cut connection", async () => {
    hub.cutNextAfter = 1_000_000;
    const started = await admin.post<Pull>(PULLS, {
      source: `${hub.url}hearth/tiny-GGUF/resolve/main/tiny-Q4_K_M.gguf`,
      fileName: "cut.gguf",
    });
    expect(started.status).toBe(202);
    expect((await follow(started.body.id)).end.status).toBe("done");
    expect(hub.cutNextAfter).toBeUndefined();
    expect(sha256(await readFile(join(modelsDir, "cut.gguf")))).toBe(sha256(model));
  }, 60_000);

  it("cancels a pull: it ends cancelled, with no model and no staged bytes", async () => {
    hub.bytesPerSecond = 1024 * 1024;
    const started = await admin.post<Pull>(PULLS, { source: "hf:hearth/tiny-GGUF:Q4_K_M" });
    for (;;) {
      const pull = await admin.get<Pull>(`${PULLS}/${started.body.id}`);
      if (pull.body.downloadedBytes > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const cancelled = await admin.delete<Pull>(`${PULLS}/${started.body.id}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("cancelled");
    expect((await follow(started.body.id)).end.status).toBe("cancelled");
    expect(await staged()).toBe(0);
    expect((await readdir(modelsDir)).filter((name) => name.endsWith(".gguf"))).toEqual([]);
    expect((await admin.delete(`${PULLS}/${started.body.id}`)).body).toMatchObject({ code: "model-pull-finished" });
  }, 60_000);

  it("refuses what cannot be pulled, each with a clear 4xx", async () => {
    const missing = await admin.post(PULLS, { source: "hf:hearth/absent-GGUF:Q4_K_M" });
    expect(missing.status, missing.text).toBe(422);
    expect(missing.body).toMatchObject({ code: "model-source-unavailable" });
    const notFound = await admin.post(PULLS, { source: `${hub.url}hearth/tiny-GGUF/resolve/main/absent.gguf` });
    expect(notFound.status, notFound.text).toBe(422);
    const unreachable = await admin.post(PULLS, { source: "http://127.0.0.1:1/model.gguf" });
    expect(unreachable.status, unreachable.text).toBe(422);
    const notGguf = await admin.post(PULLS, { source: "hf:hearth/tiny-GGUF/notes.txt" });
    expect(notGguf.status).toBe(400);
    for (const source of ["ftp://example.com/model.gguf", "hf:", "hf:../../etc", "/etc/passwd", "x".repeat(3000)]) {
      expect((await admin.post(PULLS, { source })).status, source).toBe(400);
    }
    for (const fileName of ["../escape.gguf", "a/b.gguf", ".hidden.gguf", "model.bin"]) {
      expect((await admin.post(PULLS, { source: "hf:hearth/tiny-GGUF:Q4_K_M", fileName })).status, fileName).toBe(400);
    }
    expect((await admin.post(PULLS, { source: "hf:hearth/tiny-GGUF:Q4_K_M", sha256: "abc" })).status).toBe(400);
    const metadata = await admin.post(PULLS, { source: "http://169.254.169.254/latest/model.gguf" });
    expect(metadata.status).toBe(422);
    expect(metadata.body).toMatchObject({ code: "model-source-unavailable" });
    await writeFile(join(modelsDir, "taken.gguf"), small);
    const taken = await admin.post(PULLS, { source: "hf:hearth/tiny-GGUF:Q4_K_M", fileName: "taken.gguf" });
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ code: "model-exists", fileName: "taken.gguf" });
    expect(sha256(await readFile(join(modelsDir, "taken.gguf")))).toBe(sha256(small));
    expect((await admin.get(`${PULLS}/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    expect(await staged()).toBe(0);
  }, 60_000);

  it("refuses a second pull of the same file while the first runs", async () => {
    hub.bytesPerSecond = 1024 * 1024;
    const first = await admin.post<Pull>(PULLS, { source: "hf:hearth/tiny-GGUF:Q4_K_M" });
    const second = await admin.post(PULLS, { source: "hf:hearth/tiny-GGUF:Q4_K_M" });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: "model-pull-in-progress", pullId: first.body.id });
    await admin.delete(`${PULLS}/${first.body.id}`);
  }, 60_000);

  it("is for admins only", async () => {
    const { client: user } = await signedInUser(server, admin, {
      username: "plain",
      email: "plain@example.com",
      password: "plain password 1",
    });
    expect((await user.post(PULLS, { source: "hf:hearth/tiny-GGUF:Q4_K_M" })).status).toBe(403);
    expect((await user.get(PULLS)).status).toBe(403);
    expect((await user.delete("/api/admin/local-models/local%2Fanything")).status).toBe(403);
    expect((await server.client().get(PULLS)).status).toBe(401);
  });
});

describe("model pulls within a size limit", () => {
  it("sends the Hugging Face token to the Hugging Face endpoint only, not to another server a URL names", async () => {
    const hub = await startHuggingFaceStandIn();
    const elsewhere = await startHuggingFaceStandIn();
    const scratch = await mkdtemp(join(tmpdir(), "hearth-pull-token-"));
    await writeTestModel(join(scratch, "source.gguf"));
    const bytes = await readFile(join(scratch, "source.gguf"));
    await rm(join(scratch, "source.gguf"));
    for (const each of [hub, elsewhere]) {
      each.repos.set("hearth/gated-GGUF", { files: new Map([["g.gguf", bytes]]), tags: new Map() });
    }
    const server = await startTestServer({
      modelsDir: scratch,
      models: { huggingFaceEndpoint: hub.url, huggingFaceToken: "hf_secret_token" },
    });
    try {
      const admin = await signedInAdmin(server);
      for (const [source, fileName] of [
        ["hf:hearth/gated-GGUF/g.gguf", "from-hub.gguf"],
        [`${elsewhere.url}hearth/gated-GGUF/resolve/main/g.gguf`, "from-elsewhere.gguf"],
      ] as const) {
        const started = await admin.post<Pull>(PULLS, { source, fileName });
        expect(started.status).toBe(202);
        let pull = started.body;
        while (pull.status !== "done" && pull.status !== "failed") {
          await new Promise((resolve) => setTimeout(resolve, 100));
          pull = (await admin.get<Pull>(`${PULLS}/${started.body.id}`)).body;
        }
        expect(pull.status).toBe("done");
      }
      expect(hub.authorized).toContain("HEAD /hearth/gated-GGUF/resolve/main/g.gguf");
      expect(elsewhere.requests.length).toBeGreaterThan(0);
      expect(elsewhere.authorized).toEqual([]);
    } finally {
      await server.close();
      await hub.close();
      await elsewhere.close();
      await rm(scratch, { recursive: true, force: true });
    }
  }, 60_000);

  it("refuses a pull that would take the models dir past models.maxTotalBytes, before downloading", async () => {
    const hub = await startHuggingFaceStandIn();
    const scratch = await mkdtemp(join(tmpdir(), "hearth-pull-limit-"));
    await writeTestModel(join(scratch, "m.gguf"));
    const bytes = await readFile(join(scratch, "m.gguf"));
    hub.repos.set("hearth/m-GGUF", { files: new Map([["m.gguf", bytes]]), tags: new Map() });
    const server = await startTestServer({
      modelsDir: scratch,
      models: { huggingFaceEndpoint: hub.url, maxTotalBytes: bytes.length + 1000 },
    });
    try {
      const admin = await signedInAdmin(server);
      const refused = await admin.post(PULLS, { source: "hf:hearth/m-GGUF/m.gguf", fileName: "second.gguf" });
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({ code: "not-enough-disk-space", neededBytes: bytes.length });
      // The source was asked for its first byte only.
      const ranges = hub.requests.map((request) => /bytes=(\S+)/.exec(request)?.[1]).filter(Boolean);
      expect(new Set(ranges)).toEqual(new Set(["0-0"]));
      expect((await readdir(scratch)).filter((name) => name.endsWith(".gguf"))).toEqual(["m.gguf"]);
    } finally {
      await server.close();
      await hub.close();
      await rm(scratch, { recursive: true, force: true });
    }
  });
});
