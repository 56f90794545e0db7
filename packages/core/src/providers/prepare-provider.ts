/** @module From a provider as configured to the settings its factory needs: the URL checked, the key opened. */
import type { ProviderRow } from "./provider-rows.ts";
import { checkProviderUrl, type LookupAll } from "./provider-url.ts";
import type { ProviderConfig, ProviderKind, ProviderSettings } from "./schema.ts";
import { type SecretBox, SecretKeyError } from "./secret-box.ts";

/** A provider as configured, from the config file or a row. */
export interface ProviderDefinition {
  id: string;
  kind: ProviderKind;
  baseUrl: string;
  timeoutSeconds: number;
  /** The allow-list; null: every model. */
  models: readonly string[] | null;
  /** In clear from the config file, sealed from the database. */
  apiKey?: { clear: string } | { sealed: string };
}

export type Preparation =
  | { ok: true; settings: ProviderSettings }
  /** `isTransient`: worth trying again later (a host that did not resolve, a key file not readable now). */
  | { ok: false; reason: string; isTransient: boolean };

export interface PrepareDependencies {
  secretBox: SecretBox;
  lookup?: LookupAll;
}

export function definitionOfConfig(config: ProviderConfig): ProviderDefinition {
  return {
    id: config.id,
    kind: config.kind,
    baseUrl: config.baseUrl,
    timeoutSeconds: config.timeoutSeconds,
    models: config.models ?? null,
    ...(config.apiKey === undefined ? {} : { apiKey: { clear: config.apiKey } }),
  };
}

export function definitionOfRow(row: ProviderRow): ProviderDefinition {
  return {
    id: row.id,
    kind: row.kind,
    baseUrl: row.base_url,
    timeoutSeconds: row.timeout_seconds,
    models: row.models,
    ...(row.api_key_ciphertext === null ? {} : { apiKey: { sealed: row.api_key_ciphertext } }),
  };
}

/** Checks the URL again (what its host resolves to may have changed since it was saved) and opens the key. */
export async function prepareProvider(
  definition: ProviderDefinition,
  { secretBox, lookup }: PrepareDependencies,
): Promise<Preparation> {
  const url = await checkProviderUrl(definition.baseUrl, lookup);
  if (!url.ok) return url;
  let apiKey: string | undefined;
  if (definition.apiKey !== undefined && "clear" in definition.apiKey) apiKey = definition.apiKey.clear;
  else if (definition.apiKey !== undefined) {
    try {
      apiKey = await secretBox.open(definition.apiKey.sealed, definition.id);
    } catch (error) {
      const reason = `Its stored API key cannot be used: ${(error as Error).message}`;
      return { ok: false, reason, isTransient: error instanceof SecretKeyError };
    }
  }
  const { id, kind, baseUrl, timeoutSeconds } = definition;
  return { ok: true, settings: { id, kind, baseUrl, timeoutSeconds, ...(apiKey === undefined ? {} : { apiKey }) } };
}

/** An error's text as it may be shown or logged: a provider's error could quote the key it was sent. */
export function reasonWithoutSecret(error: unknown, apiKey: string | undefined): string {
  const reason =
    error instanceof Error && "reason" in error && typeof error.reason === "string"
      ? error.reason
      : error instanceof Error
        ? error.message
        : String(error);
  return apiKey === undefined || apiKey === "" ? reason : reason.replaceAll(apiKey, "[redacted]");
}
