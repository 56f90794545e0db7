/**
 * @module The providers the model registry offers: the embedded engine's, then the config file's,
 * then the enabled ones admins added (the model_providers table). Each is built once through the
 * injected factory and rebuilt when its row changes; rows are read at most once per refresh period,
 * since many nodes share the table and none may rely on its own memory of it.
 */
import type { Database } from "@hearth/db";
import type { ModelProvider } from "@hearth/engine/spec";
import type { Logger } from "../logger.ts";
import { applyAllowList } from "./apply-allow-list.ts";
import { hideApiKey } from "./hide-api-key.ts";
import {
  definitionOfConfig,
  definitionOfRow,
  type ProviderDefinition,
  prepareProvider,
  reasonWithoutSecret,
} from "./prepare-provider.ts";
import { type ProviderRow, selectProviderRows } from "./provider-rows.ts";
import type { LookupAll } from "./provider-url.ts";
import type { ProviderConfig, ProviderSettings } from "./schema.ts";
import type { SecretBox } from "./secret-box.ts";
import { unavailableProvider } from "./unavailable-provider.ts";

/** Builds a concrete provider (OpenAI-compatible, Ollama) from its settings; may throw for settings it refuses. */
export type ProviderFactory = (settings: ProviderSettings) => ModelProvider;

export interface ConfiguredProvidersOptions {
  /** The database once open; undefined while Hearth starts, when only the local and config-file providers count. */
  database: () => Database | undefined;
  factory: ProviderFactory;
  secretBox: SecretBox;
  /** The embedded engine's provider, listed first. Owned by the caller: never closed here. */
  local?: ModelProvider;
  /** `models.providers` of the config file. */
  fromConfig?: readonly ProviderConfig[];
  /** Rows are read again at most this often (default 1000 ms). */
  refreshMs?: number;
  lookup?: LookupAll;
  logger?: Logger;
  /** Told when a provider was rebuilt or removed, on this node or another (the registry forgets its listing). */
  onChange?: (providerId: string) => void;
  now?: () => number;
}

interface Built {
  /** What the instance was built from: any change to it rebuilds the provider. */
  fingerprint: string;
  provider: ModelProvider;
  /** Why it could not be built, if it could not. */
  failure?: string;
  /** It failed for a reason that may pass (a host that did not resolve): built again at the next refresh. */
  isRetried: boolean;
}

export class ConfiguredProviders {
  readonly fromConfig: readonly ProviderConfig[];
  readonly #options: ConfiguredProvidersOptions;
  readonly #built = new Map<string, Built>();
  /** Rows whose id the config file took, reported once each. */
  readonly #shadowed = new Set<string>();
  #list: readonly ModelProvider[];
  #checkedAt = Number.NEGATIVE_INFINITY;
  #invalidations = 0;
  #refreshing: Promise<readonly ModelProvider[]> | undefined;

  constructor(options: ConfiguredProvidersOptions) {
    this.#options = options;
    this.fromConfig = options.fromConfig ?? [];
    this.#list = options.local === undefined ? [] : [options.local];
  }

  get secretBox(): SecretBox {
    return this.#options.secretBox;
  }

  get factory(): ProviderFactory {
    return this.#options.factory;
  }

  get lookup(): LookupAll | undefined {
    return this.#options.lookup;
  }

  /** The providers configured now, for the model registry. Never rejects: a provider that fails is listed as unavailable. */
  providers(): Promise<readonly ModelProvider[]> {
    if (this.#refreshing !== undefined) return this.#refreshing;
    if (this.#now() - this.#checkedAt < (this.#options.refreshMs ?? 1000)) return Promise.resolve(this.#list);
    this.#refreshing = this.#refresh().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  /** Reads the rows at the next call, after a change made on this node. */
  invalidate(): void {
    this.#invalidations++;
    this.#checkedAt = Number.NEGATIVE_INFINITY;
  }

  /** Closes every provider built here (not the local one). */
  async close(): Promise<void> {
    await this.#refreshing;
    const built = [...this.#built.values()];
    this.#built.clear();
    this.#list = this.#options.local === undefined ? [] : [this.#options.local];
    await Promise.all(built.map((entry) => this.#closeQuietly(entry.provider)));
  }

  async #refresh(): Promise<readonly ModelProvider[]> {
    const startedAt = this.#now();
    const invalidations = this.#invalidations;
    const db = this.#options.database();
    let rows: ProviderRow[] = [];
    if (db !== undefined) {
      try {
        rows = await selectProviderRows(db, { enabledOnly: true });
      } catch (error) {
        // The last known providers serve until the table can be read again.
        this.#options.logger?.warn({ err: error }, "reading the model providers failed");
        return this.#list;
      }
    }
    const definitions = [
      ...this.fromConfig.filter((config) => config.enabled).map(definitionOfConfig),
      ...rows.filter((row) => !this.#isShadowed(row.id)).map(definitionOfRow),
    ];
    const providers = await Promise.all(definitions.map((definition) => this.#provider(definition)));
    const wanted = new Set(definitions.map((definition) => definition.id));
    for (const [id, entry] of this.#built) {
      if (wanted.has(id)) continue;
      this.#built.delete(id);
      void this.#closeQuietly(entry.provider);
      this.#options.onChange?.(id);
    }
    this.#list = this.#options.local === undefined ? providers : [this.#options.local, ...providers];
    // A change made here while the rows were read may be missing from them: read again next time.
    if (db !== undefined && invalidations === this.#invalidations) this.#checkedAt = startedAt;
    return this.#list;
  }

  /** The built provider for a definition: the one built before if nothing changed, else a new one. */
  async #provider(definition: ProviderDefinition): Promise<ModelProvider> {
    const fingerprint = JSON.stringify(definition);
    const previous = this.#built.get(definition.id);
    if (previous !== undefined && previous.fingerprint === fingerprint && !previous.isRetried) return previous.provider;
    const built = await this.#build(definition, fingerprint);
    if (built.failure !== undefined && built.failure !== previous?.failure) {
      this.#options.logger?.warn({ providerId: definition.id, reason: built.failure }, "model provider unavailable");
    }
    this.#built.set(definition.id, built);
    if (previous !== undefined) void this.#closeQuietly(previous.provider);
    this.#options.onChange?.(definition.id);
    return built.provider;
  }

  async #build(definition: ProviderDefinition, fingerprint: string): Promise<Built> {
    const { id, kind } = definition;
    const prepared = await prepareProvider(definition, this.#options);
    if (!prepared.ok) {
      const failure = prepared.reason;
      return {
        fingerprint,
        provider: unavailableProvider(id, kind, failure),
        failure,
        isRetried: prepared.isTransient,
      };
    }
    try {
      const provider = hideApiKey(this.#options.factory(prepared.settings), prepared.settings.apiKey);
      return { fingerprint, provider: applyAllowList(provider, definition.models), isRetried: false };
    } catch (error) {
      const failure = reasonWithoutSecret(error, prepared.settings.apiKey);
      return { fingerprint, provider: unavailableProvider(id, kind, failure), failure, isRetried: false };
    }
  }

  #isShadowed(id: string): boolean {
    if (!this.fromConfig.some((config) => config.id === id)) return false;
    if (!this.#shadowed.has(id)) {
      this.#shadowed.add(id);
      this.#options.logger?.warn(
        { providerId: id },
        "a provider added through the API has the id of one in the config file; the config file's is used",
      );
    }
    return true;
  }

  async #closeQuietly(provider: ModelProvider): Promise<void> {
    try {
      await provider.close();
    } catch (error) {
      this.#options.logger?.warn({ err: error, providerId: provider.id }, "closing a model provider failed");
    }
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}
