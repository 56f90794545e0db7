import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, migrate } from "@hearth/db";
import { createTestDatabase } from "@hearth/db/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { migrations } from "../migrations.ts";
import { unwrap } from "../problems.ts";
import {
  createProvider,
  getProvider,
  listProviders,
  type ProviderStore,
  removeProvider,
  updateProvider,
} from "./manage-providers.ts";
import type { CreateProviderInput } from "./schema.ts";
import { createSecretBox } from "./secret-box.ts";

const KEY = "sk-live-do-not-leak-0123456789";

describe("managing providers", () => {
  let db: Database;
  let dataDir: string;
  let store: ProviderStore;
  const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second));
  const input = (overrides: Partial<CreateProviderInput> = {}): CreateProviderInput => ({
    id: "openai",
    kind: "openai-compatible",
    baseUrl: "http://127.0.0.1:8000/v1",
    timeoutSeconds: 30,
    enabled: true,
    ...overrides,
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    await migrate(db, migrations);
    dataDir = await mkdtemp(join(tmpdir(), "hearth-providers-"));
  });
  afterAll(async () => {
    await db.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await db.exec("DELETE FROM model_providers");
    store = {
      db,
      secretBox: createSecretBox({ dataDir }),
      fromConfig: [
        {
          id: "from-file",
          kind: "ollama",
          baseUrl: "http://127.0.0.1:11434",
          apiKey: KEY,
          timeoutSeconds: 30,
          enabled: true,
        },
      ],
    };
  });

  it("stores the API key encrypted and answers only that there is one", async () => {
    const created = unwrap(await createProvider(store, input({ apiKey: KEY, models: ["o3"] }), at(1)));
    expect(created).toEqual({
      id: "openai",
      kind: "openai-compatible",
      baseUrl: "http://127.0.0.1:8000/v1",
      hasApiKey: true,
      models: ["o3"],
      timeoutSeconds: 30,
      enabled: true,
      source: "admin",
      createdAt: at(1).toISOString(),
      updatedAt: at(1).toISOString(),
    });
    const { rows } = await db.query<{ api_key_ciphertext: string }>("SELECT api_key_ciphertext FROM model_providers");
    expect(rows[0]?.api_key_ciphertext).toMatch(/^v1:/);
    expect(rows[0]?.api_key_ciphertext).not.toContain(KEY);
    expect(await store.secretBox.open(rows[0]?.api_key_ciphertext as string, "openai")).toBe(KEY);
    const listed = await listProviders(store);
    expect(JSON.stringify(listed)).not.toContain(KEY);
    expect(listed.map((provider) => [provider.id, provider.source, provider.hasApiKey])).toEqual([
      ["from-file", "config", true],
      ["openai", "admin", true],
    ]);
  });

  it("refuses an id that is taken, by a provider added before or by the config file", async () => {
    unwrap(await createProvider(store, input(), at(1)));
    expect(await createProvider(store, input({ baseUrl: "http://127.0.0.1:9000/v1" }), at(2))).toEqual({
      ok: false,
      problem: { code: "provider-id-taken", detail: expect.stringContaining("already exists"), providerId: "openai" },
    });
    expect(await createProvider(store, input({ id: "from-file" }), at(2))).toMatchObject({
      ok: false,
      problem: { code: "provider-id-taken", detail: expect.stringContaining("config file") },
    });
  });

  it("changes only the fields given: a new key, no key, every model", async () => {
    unwrap(await createProvider(store, input({ apiKey: KEY, models: ["o3"] }), at(1)));
    const renamed = unwrap(await updateProvider(store, "openai", { timeoutSeconds: 5, enabled: false }, at(2)));
    expect(renamed).toMatchObject({ hasApiKey: true, models: ["o3"], timeoutSeconds: 5, enabled: false });
    expect(renamed.updatedAt).toBe(at(2).toISOString());
    const keyless = unwrap(await updateProvider(store, "openai", { apiKey: null, models: null }, at(3)));
    expect(keyless).toMatchObject({ hasApiKey: false, models: null, timeoutSeconds: 5 });
    unwrap(await updateProvider(store, "openai", { apiKey: "sk-new" }, at(4)));
    const { rows } = await db.query<{ api_key_ciphertext: string }>("SELECT api_key_ciphertext FROM model_providers");
    expect(await store.secretBox.open(rows[0]?.api_key_ciphertext as string, "openai")).toBe("sk-new");
  });

  it("refuses to change or remove a provider of the config file, saying to change the file", async () => {
    const problem = {
      code: "provider-in-config-file",
      detail: expect.stringContaining("config file"),
      providerId: "from-file",
    };
    expect(await updateProvider(store, "from-file", { enabled: false }, at(1))).toEqual({ ok: false, problem });
    expect(await removeProvider(store, "from-file")).toEqual({ ok: false, problem });
    expect(unwrap(await getProvider(store, "from-file"))).toMatchObject({ source: "config", hasApiKey: true });
  });

  it("refuses a base URL whose host resolves to a refused address, when created and when changed", async () => {
    const lookup = async () => [{ address: "fe80::1", family: 6 }];
    const refused = {
      ok: false,
      problem: { code: "provider-url-refused", detail: expect.stringMatching(/link-local/), field: "baseUrl" },
    };
    expect(await createProvider({ ...store, lookup }, input({ baseUrl: "http://printer.lan/v1" }), at(1))).toEqual(
      refused,
    );
    unwrap(await createProvider(store, input(), at(1)));
    expect(await updateProvider({ ...store, lookup }, "openai", { baseUrl: "http://printer.lan/v1" }, at(2))).toEqual(
      refused,
    );
    expect(unwrap(await getProvider(store, "openai")).baseUrl).toBe("http://127.0.0.1:8000/v1");
  });

  it("answers provider-not-found for an id no provider has", async () => {
    const problem = { code: "provider-not-found", detail: "No provider has the id nope.", providerId: "nope" };
    expect(await getProvider(store, "nope")).toEqual({ ok: false, problem });
    expect(await updateProvider(store, "nope", { enabled: true }, at(1))).toEqual({ ok: false, problem });
    expect(await removeProvider(store, "nope")).toEqual({ ok: false, problem });
  });

  it("answers secret-key-unavailable, saying what to do, when the key file is not safe to use", async () => {
    const secretBox = createSecretBox({ dataDir, secretKey: "not-a-key" });
    expect(await createProvider({ ...store, secretBox }, input({ apiKey: KEY }), at(1))).toEqual({
      ok: false,
      problem: { code: "secret-key-unavailable", detail: expect.stringContaining("HEARTH_SECRET_KEY") },
    });
    expect(await listProviders(store)).toHaveLength(1);
  });
});
