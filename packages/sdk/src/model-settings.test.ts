import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { ADMIN, startTestServer, type TestServer } from "@hearth/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHearthClient, type HearthClient } from "./create-hearth-client.ts";
import { isHearthError } from "./hearth-error.ts";
import { changeModelSettings } from "./model-settings.ts";
import { unwrap } from "./unwrap.ts";

describe("changeModelSettings, against a real server", () => {
  let modelsDir: string;
  let server: TestServer;
  let admin: HearthClient;
  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-sdk-settings-"));
    await writeTestModel(join(modelsDir, "tiny.gguf"));
    server = await startTestServer({ modelsDir, engine: { gpu: "off", contextSize: 512 } });
    admin = createHearthClient({ baseUrl: server.url });
    unwrap(await admin.api.POST("/api/setup", { body: ADMIN }));
    unwrap(await admin.api.POST("/api/auth/login", { body: { email: ADMIN.email, password: ADMIN.password } }));
  });
  afterAll(async () => {
    await server.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it("changes what it is given, keeps the rest, and puts a field back to its default with null", async () => {
    await changeModelSettings(admin, "local/tiny", { contextSize: 1024, sampling: { temperature: 0.5, topK: 20 } });
    const changed = await changeModelSettings(admin, "tiny", { systemPrompt: "Be kind.", sampling: { topK: null } });
    expect(changed).toEqual({
      contextSize: 1024,
      gpuLayers: "auto",
      chatTemplate: null,
      keepLoadedSeconds: null,
      systemPrompt: "Be kind.",
      sampling: { temperature: 0.5 },
    });
    const reset = await changeModelSettings(admin, "tiny", { contextSize: null });
    expect(reset.contextSize).toBeNull();
    const listed = unwrap(await admin.api.GET("/api/admin/local-models"));
    expect(listed.data[0]).toMatchObject({ id: "local/tiny", state: "not-loaded", settings: reset });
  });

  it("throws the server's problem: the field that is wrong, a model that is not there", async () => {
    const invalid = await changeModelSettings(admin, "tiny", { keepLoadedSeconds: 0 }).catch((error) => error);
    expect(isHearthError(invalid, "validation-failed")).toBe(true);
    expect(invalid.problem.issues).toEqual([expect.objectContaining({ field: "keepLoadedSeconds" })]);
    const missing = await changeModelSettings(admin, "local/absent", {}).catch((error) => error);
    expect(isHearthError(missing, "local-model-not-found")).toBe(true);
  });
});
