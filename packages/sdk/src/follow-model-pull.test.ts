import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import {
  ADMIN,
  type HuggingFaceStandIn,
  startHuggingFaceStandIn,
  startTestServer,
  type TestServer,
} from "@hearth/server/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHearthClient, type HearthClient } from "./create-hearth-client.ts";
import { followModelPull, type ModelPull } from "./follow-model-pull.ts";
import { isHearthError } from "./hearth-error.ts";
import { unwrap } from "./unwrap.ts";

const REPO = "hearth/tiny-GGUF";

/** A fetch that cuts the first event stream it opens after its first chunk, as a network that drops would. */
function fetchCuttingFirstStream(): { fetch: typeof fetch; streamsOpened: () => number } {
  let opened = 0;
  const send = async (request: Request) => {
    const response = await fetch(request);
    if (!new URL(request.url).pathname.endsWith("/events") || response.body === null) return response;
    opened++;
    if (opened > 1) return response;
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        const first = await reader.read();
        if (first.value !== undefined) controller.enqueue(first.value);
        controller.error(new TypeError("terminated: the test cut the connection"));
        await reader.cancel().catch(() => {});
      },
    });
    const { status, statusText, headers } = response;
    return new Response(body, { status, statusText, headers });
  };
  return { fetch: send as typeof fetch, streamsOpened: () => opened };
}

describe("followModelPull", () => {
  let hub: HuggingFaceStandIn;
  let server: TestServer;
  let modelsDir: string;
  let admin: HearthClient;
  let model: Buffer;

  const signedIn = async (email: string, password: string, fetch?: typeof globalThis.fetch) => {
    const client = createHearthClient({ baseUrl: server.url, fetch });
    unwrap(await client.api.POST("/api/auth/login", { body: { email, password } }));
    return client;
  };
  const startPull = async (fileName: string) =>
    unwrap(await admin.api.POST("/api/admin/models/pulls", { body: { source: `hf:${REPO}/tiny.gguf`, fileName } }));

  beforeAll(async () => {
    const scratch = await mkdtemp(join(tmpdir(), "hearth-sdk-pull-src-"));
    await writeTestModel(join(scratch, "tiny.gguf"));
    model = await readFile(join(scratch, "tiny.gguf"));
    await rm(scratch, { recursive: true, force: true });
    hub = await startHuggingFaceStandIn();
    hub.repos.set(REPO, { files: new Map([["tiny.gguf", model]]), tags: new Map() });
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-sdk-pull-models-"));
    server = await startTestServer({
      modelsDir,
      engine: { gpu: "off" },
      models: { huggingFaceEndpoint: hub.url, listCacheSeconds: 1 },
    });
    unwrap(await createHearthClient({ baseUrl: server.url }).api.POST("/api/setup", { body: ADMIN }));
    admin = await signedIn(ADMIN.email, ADMIN.password);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await hub?.close();
    await rm(modelsDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    // Slow enough that a pull of the small model lasts a few of the server's half-second updates.
    hub.bytesPerSecond = Math.ceil(model.length / 2);
  });

  it("calls onProgress as the bytes come and resolves to the pull as it ended, done", async () => {
    const pull = await startPull("followed.gguf");
    const progress: ModelPull[] = [];
    const end = await followModelPull(admin, pull.id, { onProgress: (each) => progress.push(each) });
    expect(end).toMatchObject({
      id: pull.id,
      status: "done",
      modelId: "local/followed",
      totalBytes: model.length,
      downloadedBytes: model.length,
      error: null,
    });
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.some((each) => each.downloadedBytes > 0 && each.downloadedBytes < model.length)).toBe(true);
    expect(progress.every((each) => each.status === "downloading" || each.status === "verifying")).toBe(true);
    // An ended pull resolves at once.
    expect(await followModelPull(admin, pull.id)).toMatchObject({ id: pull.id, status: "done" });
  }, 30_000);

  it("resolves to the pull as cancelled when it is cancelled meanwhile", async () => {
    const pull = await startPull("cancelled.gguf");
    const end = await followModelPull(admin, pull.id, {
      onProgress: () => {
        void admin.api.DELETE("/api/admin/models/pulls/{id}", { params: { path: { id: pull.id } } });
      },
    });
    expect(end).toMatchObject({ id: pull.id, status: "cancelled" });
  }, 30_000);

  it("connects again after a dropped connection and still resolves to the end", async () => {
    const cutting = fetchCuttingFirstStream();
    const client = await signedIn(ADMIN.email, ADMIN.password, cutting.fetch);
    const pull = await startPull("reconnected.gguf");
    const end = await followModelPull(client, pull.id);
    expect(end).toMatchObject({ id: pull.id, status: "done" });
    expect(cutting.streamsOpened()).toBeGreaterThanOrEqual(2);
  }, 30_000);

  it("rejects with the signal's reason once aborted, and the pull goes on", async () => {
    const pull = await startPull("aborted.gguf");
    const stop = new AbortController();
    const followed = followModelPull(admin, pull.id, { signal: stop.signal, onProgress: () => stop.abort() });
    await expect(followed).rejects.toMatchObject({ name: "AbortError" });
    expect(await followModelPull(admin, pull.id)).toMatchObject({ status: "done" });
  }, 30_000);

  it("throws the problem answered when connecting: a user who is not an admin is refused", async () => {
    const login = { email: "bo@example.com", password: "bo's long password" };
    unwrap(await admin.api.POST("/api/admin/users", { body: { username: "bo", ...login } }));
    const user = await signedIn(login.email, login.password);
    const pull = await startPull("refused.gguf");
    const refused = await followModelPull(user, pull.id).catch((error: unknown) => error);
    expect(isHearthError(refused, "admin-required")).toBe(true);
    const unknown = await followModelPull(admin, "00000000-0000-4000-8000-000000000000").catch((error) => error);
    expect(isHearthError(unknown, "model-pull-not-found")).toBe(true);
  }, 30_000);
});
