/** @module A test server with the generated test model, and an API key to call its /v1 API with. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestModelOptions, writeTestModel } from "@hearth/engine/testing";
import OpenAI from "openai";
import type { Config } from "../config.ts";
import type { TestClient } from "./test-client.ts";
import { signedInAdmin, startTestServer, type TestServer } from "./test-server.ts";

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

export interface OpenAiTestServer {
  server: TestServer;
  /** Signed in as the admin who owns `apiKey`. */
  admin: TestClient;
  apiKey: string;
  /** The official client on this server's /v1, without retries (a retried 429 or 503 would hide what the server said). */
  openai(apiKey?: string): OpenAI;
  close(): Promise<void>;
}

export const TEST_MODEL = "local/tiny-chat";

/**
 * Starts a server whose models dir holds `tiny-chat.gguf`: the generated model, which never ends a
 * reply by itself (replies run to their token limit) unless `model.allowEndOfGeneration` is set.
 */
export async function startOpenAiTestServer(
  overrides: DeepPartial<Config> = {},
  options: { model?: TestModelOptions; logLines?: string[] } = {},
): Promise<OpenAiTestServer> {
  const modelsDir = await mkdtemp(join(tmpdir(), "hearth-models-"));
  await writeTestModel(join(modelsDir, "tiny-chat.gguf"), options.model);
  const server = await startTestServer(
    { modelsDir, ...overrides, engine: { gpu: "off", contextSize: 512, ...overrides.engine } },
    options.logLines === undefined ? {} : { logLines: options.logLines },
  );
  const admin = await signedInAdmin(server);
  const created = await admin.post<{ key: string }>("/api/api-keys", { name: "openai client" });
  const apiKey = created.body.key;
  return {
    server,
    admin,
    apiKey,
    openai: (key = apiKey) => new OpenAI({ apiKey: key, baseURL: `${server.url}/v1`, maxRetries: 0 }),
    async close() {
      await server.close();
      await rm(modelsDir, { recursive: true, force: true });
    },
  };
}
