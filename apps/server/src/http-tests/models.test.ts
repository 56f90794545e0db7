import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedInAdmin, startTestServer, type TestServer } from "../testing/index.ts";

describe("GET /api/models", () => {
  let server: TestServer;
  let modelsDir: string;
  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-models-"));
    await writeTestModel(join(modelsDir, "tiny-chat.gguf"));
    server = await startTestServer({ modelsDir, engine: { gpu: "off", contextSize: 512 } });
  });
  afterAll(async () => {
    await server.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it("lists the GGUF files in the models dir as local models without starting llama.cpp", async () => {
    const admin = await signedInAdmin(server);
    const response = await admin.get("/api/models");
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      data: [
        {
          id: "local/tiny-chat",
          provider: "local",
          providerKind: "llama.cpp",
          modelId: "tiny-chat",
          sizeBytes: expect.any(Number),
          isLoaded: false,
          capabilities: { chat: true, embeddings: true, tools: "emulated", vision: false },
          isAvailable: true,
        },
      ],
      providers: [{ id: "local", kind: "llama.cpp", isAvailable: true, models: 1 }],
      engine: {
        isRunning: false,
        localBuild: { state: expect.stringMatching(/^(ready|none)$/), detail: expect.any(String) },
      },
    });
  });

  it("says which llama.cpp build runs the local models once a model was used", async () => {
    await server.reset();
    const admin = await signedInAdmin(server);
    const conversation = await admin.post<{ id: string }>("/api/conversations", {});
    const sent = await admin.post(`/api/conversations/${conversation.body.id}/messages`, { content: "hello" });
    expect(sent.status).toBe(202);
    await server.idle();
    const response = await admin.get<{ engine: Record<string, unknown> }>("/api/models");
    expect(response.body.engine).toEqual({
      isRunning: true,
      buildType: expect.stringMatching(/^(prebuilt|localBuild)$/),
      gpu: false,
      gpuDevices: [],
      threads: expect.any(Number),
      localBuild: { state: expect.stringMatching(/^(ready|none)$/), detail: expect.any(String) },
    });
  });

  it("answers a conversation that names a model by its bare local id, as conversations did before ids were qualified", async () => {
    await server.reset();
    const admin = await signedInAdmin(server);
    for (const model of ["tiny-chat", "local/tiny-chat"]) {
      const conversation = await admin.post<{ id: string }>("/api/conversations", { model });
      const sent = await admin.post<{ assistantMessage: { model: string } }>(
        `/api/conversations/${conversation.body.id}/messages`,
        { content: "hello" },
      );
      expect(sent.status).toBe(202);
      expect(sent.body.assistantMessage.model).toBe("local/tiny-chat");
    }
  });

  it("says a model is unknown, naming the qualified ids there are", async () => {
    await server.reset();
    const admin = await signedInAdmin(server);
    const conversation = await admin.post<{ id: string }>("/api/conversations", { model: "ollama/llama3.2" });
    const sent = await admin.post(`/api/conversations/${conversation.body.id}/messages`, { content: "hello" });
    expect(sent.status).toBe(422);
    expect(sent.body).toMatchObject({
      code: "model-not-found",
      model: "ollama/llama3.2",
      installed: ["local/tiny-chat"],
    });
  });

  it("needs a signed-in user", async () => {
    expect((await server.client().get("/api/models")).status).toBe(401);
  });
});
