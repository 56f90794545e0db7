import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, migrate } from "@hearth/db";
import { createTestDatabase } from "@hearth/db/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { migrations } from "../migrations.ts";
import { unwrap } from "../problems.ts";
import { createProvider, type ProviderStore, updateProvider } from "./manage-providers.ts";
import { createSecretBox } from "./secret-box.ts";
import { testConnection } from "./test-connection.ts";
import { type ModelServer, startModelServer, testProviderFactory } from "./test-provider.ts";

const KEY = "sk-test-0123456789abcdef";

describe("testConnection", () => {
  let db: Database;
  let dataDir: string;
  let server: ModelServer;
  let store: ProviderStore & { factory: ReturnType<typeof testProviderFactory> };
  const now = new Date(Date.UTC(2026, 0, 1));

  beforeAll(async () => {
    db = await createTestDatabase();
    await migrate(db, migrations);
    dataDir = await mkdtemp(join(tmpdir(), "hearth-providers-"));
    server = await startModelServer({ models: ["gpt-4.1-mini", "o3"], apiKey: KEY });
  });
  afterAll(async () => {
    await server.close();
    await db.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await db.exec("DELETE FROM model_providers");
    server.isHanging = false;
    store = { db, secretBox: createSecretBox({ dataDir }), fromConfig: [], factory: testProviderFactory() };
    const input = { id: "openai", kind: "openai-compatible" as const, baseUrl: server.baseUrl, apiKey: KEY };
    unwrap(await createProvider(store, { ...input, models: ["o3"], timeoutSeconds: 1, enabled: false }, now));
  });

  it("lists every model the provider offers, allow-list or not, and closes what it built", async () => {
    expect(unwrap(await testConnection(store, "openai"))).toEqual({
      ok: true,
      models: ["gpt-4.1-mini", "o3"],
      ms: expect.any(Number),
    });
    expect(server.authorizations.at(-1)).toBe(`Bearer ${KEY}`);
    expect(store.factory.built.map((entry) => entry.isClosed)).toEqual([true]);
  });

  it("answers the provider's refusal as the reason, without the key it was sent", async () => {
    server.apiKey = "sk-another-key";
    const result = unwrap(await testConnection(store, "openai"));
    server.apiKey = KEY;
    expect(result).toEqual({ ok: false, reason: "Incorrect API key provided: [redacted].", ms: expect.any(Number) });
  });

  it("answers that a provider that does not answer did not list its models within its timeout", async () => {
    server.isHanging = true;
    expect(unwrap(await testConnection(store, "openai"))).toEqual({
      ok: false,
      reason: "It did not list its models within 1 s.",
      ms: expect.any(Number),
    });
  });

  it("answers that a provider nothing listens at cannot be reached", async () => {
    unwrap(await updateProvider(store, "openai", { baseUrl: "http://127.0.0.1:9/v1" }, now));
    expect(unwrap(await testConnection(store, "openai"))).toMatchObject({
      ok: false,
      reason: "Cannot reach http://127.0.0.1:9/v1.",
    });
  });

  it("answers provider-not-found for an id no provider has", async () => {
    expect(await testConnection(store, "nope")).toMatchObject({ ok: false, problem: { code: "provider-not-found" } });
  });
});
