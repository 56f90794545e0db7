import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, migrate } from "@hearth/db";
import { createTestDatabase } from "@hearth/db/testing";
import { NoSuchModelError } from "@hearth/engine/spec";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { migrations } from "../migrations.ts";
import { ModelRegistry } from "../models/model-registry.ts";
import { unwrap } from "../problems.ts";
import { ConfiguredProviders } from "./configured-providers.ts";
import { createProvider, type ProviderStore } from "./manage-providers.ts";
import { createSecretBox } from "./secret-box.ts";
import { type ModelServer, startModelServer, type TestProviderFactory, testProviderFactory } from "./test-provider.ts";

describe("ConfiguredProviders", () => {
  let db: Database;
  let dataDir: string;
  let ollama: ModelServer;
  let openai: ModelServer;
  let store: ProviderStore;
  let factory: TestProviderFactory;
  let now: number;
  let changed: string[];
  const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second));

  beforeAll(async () => {
    db = await createTestDatabase();
    await migrate(db, migrations);
    dataDir = await mkdtemp(join(tmpdir(), "hearth-providers-"));
    ollama = await startModelServer({ models: ["llama3.2:latest", "qwen3:8b"] });
    openai = await startModelServer({ models: ["gpt-4.1-mini", "gpt-4.1", "o3"], apiKey: "sk-test-0123456789" });
  });
  afterAll(async () => {
    await Promise.all([ollama.close(), openai.close()]);
    await db.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await db.exec("DELETE FROM model_providers");
    store = { db, secretBox: createSecretBox({ dataDir }), fromConfig: [] };
    factory = testProviderFactory();
    now = 0;
    changed = [];
  });

  const configured = (options: Partial<ConstructorParameters<typeof ConfiguredProviders>[0]> = {}) =>
    new ConfiguredProviders({
      database: () => db,
      factory,
      secretBox: store.secretBox,
      fromConfig: store.fromConfig,
      now: () => now,
      onChange: (id) => changed.push(id),
      ...options,
    });
  const add = (
    input: { id: string; baseUrl: string; apiKey?: string; models?: string[]; enabled?: boolean },
    second = 0,
  ) =>
    createProvider(store, { kind: "openai-compatible", timeoutSeconds: 30, enabled: true, ...input }, at(second)).then(
      unwrap,
    );

  it("offers the local provider first, then the config file's, then the enabled rows oldest first", async () => {
    const local = testProviderFactory()({ id: "local", kind: "ollama", baseUrl: ollama.baseUrl, timeoutSeconds: 30 });
    store.fromConfig = [
      { id: "from-file", kind: "ollama", baseUrl: ollama.baseUrl, timeoutSeconds: 30, enabled: true },
      { id: "off-in-file", kind: "ollama", baseUrl: ollama.baseUrl, timeoutSeconds: 30, enabled: false },
    ];
    await add({ id: "zeta", baseUrl: ollama.baseUrl }, 1);
    await add({ id: "alpha", baseUrl: ollama.baseUrl }, 2);
    await add({ id: "disabled", baseUrl: ollama.baseUrl, enabled: false }, 3);
    const providers = await configured({ local }).providers();
    expect(providers.map((provider) => provider.id)).toEqual(["local", "from-file", "zeta", "alpha"]);
    expect(factory.built.map((entry) => entry.settings.id)).toEqual(["from-file", "zeta", "alpha"]);
  });

  it("builds each provider with its API key decrypted and offers only the models on its allow-list", async () => {
    await add({ id: "openai", baseUrl: openai.baseUrl, apiKey: "sk-test-0123456789", models: ["gpt-4.1-mini", "o3"] });
    const registry = new ModelRegistry({
      providers: () => configured().providers(),
      settings: { listTimeoutMs: 5000, cacheMs: 0 },
    });
    const { models, providers } = await registry.list();
    expect(providers).toEqual([{ id: "openai", kind: "openai-compatible", isAvailable: true, models: 2 }]);
    expect(models.map((model) => model.id)).toEqual(["openai/gpt-4.1-mini", "openai/o3"]);
    expect(openai.authorizations.at(-1)).toBe("Bearer sk-test-0123456789");
  });

  it("refuses a model left off the allow-list as if the provider did not have it", async () => {
    await add({ id: "openai", baseUrl: openai.baseUrl, apiKey: "sk-test-0123456789", models: ["gpt-4.1-mini"] });
    const registry = new ModelRegistry({
      providers: () => configured().providers(),
      settings: { listTimeoutMs: 5000, cacheMs: 0 },
    });
    await expect(registry.languageModel("openai/gpt-4.1")).rejects.toThrow(NoSuchModelError);
    await expect(registry.embeddingModel("openai/o3")).rejects.toThrow(NoSuchModelError);
    expect((await registry.languageModel("openai/gpt-4.1-mini")).modelId).toBe("gpt-4.1-mini");
  });

  it("sees a row changed on another node once the refresh period has passed, and closes the old instance", async () => {
    await add({ id: "ollama", baseUrl: ollama.baseUrl });
    const providers = configured();
    const before = await providers.providers();
    // Another node changes the row; this node has not read the table since.
    await db.query("UPDATE model_providers SET base_url = $1, models = $2 WHERE id = 'ollama'", [
      openai.baseUrl,
      JSON.stringify(["o3"]),
    ]);
    now = 500;
    expect(await providers.providers()).toBe(before);
    now = 1000;
    const after = await providers.providers();
    expect(after[0]).not.toBe(before[0]);
    expect(factory.built.map((entry) => [entry.settings.baseUrl, entry.isClosed])).toEqual([
      [ollama.baseUrl, true],
      [openai.baseUrl, false],
    ]);
    expect(changed).toEqual(["ollama", "ollama"]);
    now = 2000;
    expect(await providers.providers()).toEqual(after);
    expect(factory.built).toHaveLength(2);
  });

  it("drops a provider removed or disabled on another node and closes it", async () => {
    await add({ id: "one", baseUrl: ollama.baseUrl });
    await add({ id: "two", baseUrl: ollama.baseUrl }, 1);
    const providers = configured();
    await providers.providers();
    await db.exec("DELETE FROM model_providers WHERE id = 'one'");
    await db.exec("UPDATE model_providers SET enabled = false WHERE id = 'two'");
    now = 1000;
    expect(await providers.providers()).toEqual([]);
    expect(factory.built.every((entry) => entry.isClosed)).toBe(true);
  });

  it("reads the rows again at once after a change made on this node", async () => {
    const providers = configured();
    expect(await providers.providers()).toEqual([]);
    await add({ id: "ollama", baseUrl: ollama.baseUrl });
    providers.invalidate();
    expect((await providers.providers()).map((provider) => provider.id)).toEqual(["ollama"]);
  });

  it("lists a provider it cannot build as unavailable with the reason, and the others as usual", async () => {
    await add({ id: "good", baseUrl: ollama.baseUrl });
    await add({ id: "tampered", baseUrl: openai.baseUrl, apiKey: "sk-test-0123456789" }, 1);
    // One character of the stored ciphertext changed, as by someone with write access to the database.
    await db.exec(
      `UPDATE model_providers SET api_key_ciphertext = overlay(api_key_ciphertext placing
         (CASE WHEN substr(api_key_ciphertext, 20, 1) = 'A' THEN 'B' ELSE 'A' END) from 20 for 1) WHERE id = 'tampered'`,
    );
    // Written straight to the table, past the API's check: the URL is checked again when the provider is built.
    await db.query(
      `INSERT INTO model_providers (id, kind, base_url, timeout_seconds, enabled, created_at, updated_at)
       VALUES ('metadata', 'openai-compatible', 'http://169.254.169.254/v1', 30, true, $1, $1)`,
      [at(2)],
    );
    const registry = new ModelRegistry({
      providers: () => configured().providers(),
      settings: { listTimeoutMs: 5000, cacheMs: 0 },
    });
    const { providers, models } = await registry.list();
    expect(providers).toEqual([
      { id: "good", kind: "openai-compatible", isAvailable: true, models: 2 },
      {
        id: "tampered",
        kind: "openai-compatible",
        isAvailable: false,
        reason: expect.stringMatching(/cannot be used: The sealed value does not open/),
        models: 0,
      },
      {
        id: "metadata",
        kind: "openai-compatible",
        isAvailable: false,
        reason: expect.stringMatching(/cloud metadata/),
        models: 0,
      },
    ]);
    expect(models.map((model) => model.id)).toEqual(["good/llama3.2:latest", "good/qwen3:8b"]);
    expect(factory.built.map((entry) => entry.settings.id)).toEqual(["good"]);
  });

  it("takes the API key out of a provider's reason for failing, which every user sees in the model list", async () => {
    await add({ id: "openai", baseUrl: openai.baseUrl, apiKey: "sk-wrong-but-secret-42" });
    const registry = new ModelRegistry({
      providers: () => configured().providers(),
      settings: { listTimeoutMs: 5000, cacheMs: 0 },
    });
    const { providers } = await registry.list();
    expect(openai.authorizations.at(-1)).toBe("Bearer sk-wrong-but-secret-42");
    expect(providers[0]).toMatchObject({ isAvailable: false, reason: "Incorrect API key provided: [redacted]." });
    await expect(registry.languageModel("openai/o3")).rejects.toThrow("Incorrect API key provided: [redacted].");
  });

  it("serves only the local and config-file providers while the database is not open yet", async () => {
    store.fromConfig = [
      { id: "from-file", kind: "ollama", baseUrl: ollama.baseUrl, timeoutSeconds: 30, enabled: true },
    ];
    await add({ id: "row", baseUrl: ollama.baseUrl });
    let isOpen = false;
    const providers = configured({ database: () => (isOpen ? db : undefined) });
    expect((await providers.providers()).map((provider) => provider.id)).toEqual(["from-file"]);
    isOpen = true;
    expect((await providers.providers()).map((provider) => provider.id)).toEqual(["from-file", "row"]);
  });
});
