/** @module What admins do with providers: list, read, create, change, remove. */
import type { Database } from "@hearth/db";
import { fail, ok, type Result } from "../problems.ts";
import { type ProvidersProblem, providersProblems } from "./problems.ts";
import {
  deleteProviderRow,
  findProviderRow,
  insertProviderRow,
  presentProviderRow,
  selectProviderRows,
  updateProviderRow,
} from "./provider-rows.ts";
import { checkProviderUrl, type LookupAll } from "./provider-url.ts";
import type { CreateProviderInput, Provider, ProviderConfig, UpdateProviderInput } from "./schema.ts";
import { type SecretBox, SecretKeyError } from "./secret-box.ts";

export interface ProviderStore {
  db: Database;
  secretBox: SecretBox;
  /** The config file's providers: listed, but changed only in the file. */
  fromConfig: readonly ProviderConfig[];
  lookup?: LookupAll;
}

type ProviderResult = Result<Provider, ProvidersProblem>;

/** The config file's providers, then those added through the API, oldest first. */
export async function listProviders(store: ProviderStore): Promise<Provider[]> {
  const rows = await selectProviderRows(store.db, { enabledOnly: false });
  const configIds = new Set(store.fromConfig.map((config) => config.id));
  return [
    ...store.fromConfig.map(presentConfig),
    ...rows.filter((row) => !configIds.has(row.id)).map(presentProviderRow),
  ];
}

export async function getProvider(store: ProviderStore, id: string): Promise<ProviderResult> {
  const config = store.fromConfig.find((candidate) => candidate.id === id);
  if (config !== undefined) return ok(presentConfig(config));
  const row = await findProviderRow(store.db, id);
  return row === undefined ? fail(providersProblems.notFound(id)) : ok(presentProviderRow(row));
}

export async function createProvider(
  store: ProviderStore,
  input: CreateProviderInput,
  now: Date,
): Promise<ProviderResult> {
  if (store.fromConfig.some((config) => config.id === input.id)) return fail(providersProblems.idTaken(input.id, true));
  const url = await checkProviderUrl(input.baseUrl, store.lookup);
  if (!url.ok) return fail(providersProblems.urlRefused(url.reason));
  const sealed = await seal(store.secretBox, input.apiKey, input.id);
  if (!sealed.ok) return sealed;
  const row = await insertProviderRow(store.db, {
    id: input.id,
    kind: input.kind,
    base_url: input.baseUrl,
    api_key_ciphertext: sealed.value,
    models: input.models ?? null,
    timeout_seconds: input.timeoutSeconds,
    enabled: input.enabled,
    created_at: now,
    updated_at: now,
  });
  return row === undefined ? fail(providersProblems.idTaken(input.id, false)) : ok(presentProviderRow(row));
}

/** Changes what the input gives; `apiKey: null` removes the key, `models: null` allows every model. */
export async function updateProvider(
  store: ProviderStore,
  id: string,
  change: UpdateProviderInput,
  now: Date,
): Promise<ProviderResult> {
  if (store.fromConfig.some((config) => config.id === id)) return fail(providersProblems.inConfigFile(id));
  // Checked and sealed before the row is locked: a slow resolver must not hold the lock.
  if (change.baseUrl !== undefined) {
    const url = await checkProviderUrl(change.baseUrl, store.lookup);
    if (!url.ok) return fail(providersProblems.urlRefused(url.reason));
  }
  const sealed =
    change.apiKey === undefined ? ok(undefined) : await seal(store.secretBox, change.apiKey ?? undefined, id);
  if (!sealed.ok) return sealed;
  return store.db.transaction(async (tx) => {
    const current = await findProviderRow(tx, id, { forUpdate: true });
    if (current === undefined) return fail(providersProblems.notFound(id));
    const updated = await updateProviderRow(tx, {
      ...current,
      kind: change.kind ?? current.kind,
      base_url: change.baseUrl ?? current.base_url,
      api_key_ciphertext: change.apiKey === undefined ? current.api_key_ciphertext : (sealed.value ?? null),
      models: change.models === undefined ? current.models : change.models,
      timeout_seconds: change.timeoutSeconds ?? current.timeout_seconds,
      enabled: change.enabled ?? current.enabled,
      updated_at: now,
    });
    return updated === undefined ? fail(providersProblems.notFound(id)) : ok(presentProviderRow(updated));
  });
}

export async function removeProvider(store: ProviderStore, id: string): Promise<Result<void, ProvidersProblem>> {
  if (store.fromConfig.some((config) => config.id === id)) return fail(providersProblems.inConfigFile(id));
  return (await deleteProviderRow(store.db, id)) ? ok(undefined) : fail(providersProblems.notFound(id));
}

async function seal(
  secretBox: SecretBox,
  apiKey: string | undefined,
  providerId: string,
): Promise<Result<string | null, ProvidersProblem>> {
  if (apiKey === undefined) return ok(null);
  try {
    return ok(await secretBox.seal(apiKey, providerId));
  } catch (error) {
    if (error instanceof SecretKeyError) return fail(providersProblems.secretKeyUnavailable(error.message));
    throw error;
  }
}

function presentConfig(config: ProviderConfig): Provider {
  return {
    id: config.id,
    kind: config.kind,
    baseUrl: config.baseUrl,
    hasApiKey: config.apiKey !== undefined,
    models: config.models ?? null,
    timeoutSeconds: config.timeoutSeconds,
    enabled: config.enabled,
    source: "config",
    createdAt: null,
    updatedAt: null,
  };
}
