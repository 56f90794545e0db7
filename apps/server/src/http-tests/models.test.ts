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

  it("lists the GGUF files in the models dir and says which llama.cpp build runs them", async () => {
    const admin = await signedInAdmin(server);
    const response = await admin.get("/api/models");
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      data: [{ id: "tiny-chat", provider: "llama.cpp", sizeBytes: expect.any(Number), isLoaded: false }],
      engine: {
        buildType: expect.stringMatching(/^(prebuilt|localBuild)$/),
        gpu: false,
        threads: expect.any(Number),
        localBuild: { state: expect.stringMatching(/^(ready|none)$/), detail: expect.any(String) },
      },
    });
  });

  it("needs a signed-in user", async () => {
    expect((await server.client().get("/api/models")).status).toBe(401);
  });
});
