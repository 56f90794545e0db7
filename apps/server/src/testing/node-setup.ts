import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabaseUrl } from "@hearth/db/testing";
import { type TestModelOptions, writeTestModel } from "@hearth/engine/testing";
import { expect } from "vitest";
import { TestClient } from "./test-client.ts";
import { ADMIN } from "./test-server.ts";

export interface NodeSetup {
  /** What points a Hearth process at them: data dir, models dir, no GPU, and the database when there is one. */
  env: Record<string, string>;
  remove(): Promise<void>;
}

/**
 * A data dir holding a generated model (`<dataDir>/models/<file>.gguf`) and, where tests have a
 * PostgreSQL server, a database of its own: for the Hearth processes a test spawns (and restarts) on them.
 */
export async function nodeSetup(prefix: string, model: TestModelOptions & { file?: string } = {}): Promise<NodeSetup> {
  const dataDir = await mkdtemp(join(tmpdir(), `hearth-${prefix}-`));
  const modelsDir = join(dataDir, "models");
  await mkdir(modelsDir);
  const { file = "tiny-chat", ...options } = model;
  await writeTestModel(join(modelsDir, `${file}.gguf`), options);
  const database = await createTestDatabaseUrl();
  return {
    env: {
      HEARTH_DATA_DIR: dataDir,
      HEARTH_MODELS_DIR: modelsDir,
      HEARTH_ENGINE_GPU: "off",
      ...(database ? { DATABASE_URL: database.url } : {}),
    },
    async remove() {
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Ada, the first admin, signed in at `url`: set up first if nobody has been. */
export async function signInAdmin(url: string): Promise<TestClient> {
  const ada = new TestClient(url);
  if ((await ada.get<{ isSetup: boolean }>("/api/setup")).body.isSetup === false) {
    expect((await ada.post("/api/setup", ADMIN)).status).toBe(201);
  }
  expect((await ada.logIn(ADMIN.email, ADMIN.password)).status).toBe(200);
  return ada;
}
