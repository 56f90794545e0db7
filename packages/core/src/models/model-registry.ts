/**
 * @module Every provider's models in one list, by qualified id (`local/qwen2.5-1.5b`, `ollama/llama3.2`),
 * and the way from an id to a model that can be called. A provider that is down, slow or confused
 * only marks its own models unavailable, with its reason; it never breaks the list.
 */
import {
  type EmbeddingModel,
  type LanguageModel,
  type ModelDescriptor,
  type ModelProvider,
  NoSuchModelError,
  ProviderUnavailableError,
} from "@hearth/engine/spec";

/** The embedded engine's provider id: a model id without a known provider prefix is one of its models. */
export const LOCAL_PROVIDER = "local";

export interface RegistryModel extends ModelDescriptor {
  /** The qualified id: `<provider>/<model id within it>`. */
  id: string;
  provider: string;
  providerKind: string;
  /** The id within its provider. */
  modelId: string;
  isAvailable: boolean;
  /** Why the model cannot be used now, when it cannot. */
  unavailableReason?: string;
}

export interface ProviderStatus {
  id: string;
  kind: string;
  isAvailable: boolean;
  reason?: string;
  models: number;
}

export interface ModelList {
  models: RegistryModel[];
  providers: ProviderStatus[];
}

export interface ModelRegistrySettings {
  /** A provider that has not listed its models within this is reported unavailable. */
  listTimeoutMs: number;
  /** A provider's list is reused this long before it is asked again. */
  cacheMs: number;
}

interface Listing {
  at: number;
  models: ModelDescriptor[];
  error?: string;
}

export class ModelRegistry {
  /** Each provider's last listing: its models, and the error of the last attempt if it failed. */
  readonly #listings = new Map<string, Listing>();
  readonly #inFlight = new Map<string, Promise<Listing>>();

  constructor(
    private readonly deps: {
      /** The providers configured now (the admin may change them at any time, on any node). */
      providers: () => Promise<readonly ModelProvider[]>;
      settings: ModelRegistrySettings;
      now?: () => number;
    },
  ) {}

  /** Every provider's models, the unavailable ones with their reason. */
  async list(options: { fresh?: boolean } = {}): Promise<ModelList> {
    const providers = await this.deps.providers();
    const listings = await Promise.all(providers.map((provider) => this.#listing(provider, options.fresh === true)));
    const models: RegistryModel[] = [];
    const statuses: ProviderStatus[] = [];
    providers.forEach((provider, index) => {
      const listing = listings[index] as Listing;
      const isAvailable = listing.error === undefined;
      statuses.push({
        id: provider.id,
        kind: provider.kind,
        isAvailable,
        ...(isAvailable ? {} : { reason: listing.error }),
        models: listing.models.length,
      });
      for (const model of listing.models) models.push(present(provider, model, listing.error));
    });
    return { models, providers: statuses };
  }

  /** The model with this id (qualified, or a bare local id), as listed; undefined when no provider lists it. */
  async find(id: string): Promise<RegistryModel | undefined> {
    const target = await this.#resolve(id);
    if (target === undefined) return undefined;
    const listing = await this.#listing(target.provider, false);
    const model = listing.models.find((candidate) => candidate.id === target.modelId);
    return model === undefined ? undefined : present(target.provider, model, listing.error);
  }

  /** Every qualified id listed now, for "did you mean" messages. */
  async ids(): Promise<string[]> {
    return (await this.list()).models.map((model) => model.id);
  }

  /** A model to call. Throws NoSuchModelError or ProviderUnavailableError. */
  async languageModel(id: string): Promise<LanguageModel> {
    const target = await this.#resolve(id);
    if (target === undefined) throw new NoSuchModelError(id, await this.ids());
    return target.provider.languageModel(target.modelId);
  }

  async embeddingModel(id: string): Promise<EmbeddingModel> {
    const target = await this.#resolve(id);
    if (target === undefined) throw new NoSuchModelError(id, await this.ids());
    return target.provider.embeddingModel(target.modelId);
  }

  /** Forgets a provider's listing (after it was changed or removed). */
  forget(providerId: string): void {
    this.#listings.delete(providerId);
  }

  async #resolve(id: string): Promise<{ provider: ModelProvider; modelId: string } | undefined> {
    const providers = await this.deps.providers();
    const slash = id.indexOf("/");
    if (slash > 0) {
      const prefix = id.slice(0, slash);
      const provider = providers.find((candidate) => candidate.id === prefix);
      if (provider !== undefined) return { provider, modelId: id.slice(slash + 1) };
    }
    // A bare id (as conversations stored before ids were qualified) names a local model.
    const local = providers.find((candidate) => candidate.id === LOCAL_PROVIDER);
    return local === undefined ? undefined : { provider: local, modelId: id };
  }

  #listing(provider: ModelProvider, isFresh: boolean): Promise<Listing> {
    const now = this.deps.now ?? Date.now;
    const cached = this.#listings.get(provider.id);
    if (
      !isFresh &&
      cached !== undefined &&
      cached.error === undefined &&
      now() - cached.at < this.deps.settings.cacheMs
    ) {
      return Promise.resolve(cached);
    }
    let inFlight = this.#inFlight.get(provider.id);
    if (inFlight === undefined) {
      inFlight = this.#ask(provider, cached).finally(() => this.#inFlight.delete(provider.id));
      this.#inFlight.set(provider.id, inFlight);
    }
    return inFlight;
  }

  /** Asks a provider for its models within the timeout; on failure keeps the last known ones, unavailable. */
  async #ask(provider: ModelProvider, previous: Listing | undefined): Promise<Listing> {
    const now = this.deps.now ?? Date.now;
    const { listTimeoutMs } = this.deps.settings;
    const abortSignal = AbortSignal.timeout(listTimeoutMs);
    let listing: Listing;
    try {
      const models = await Promise.race([
        provider.listModels({ abortSignal }),
        new Promise<never>((_, reject) =>
          abortSignal.addEventListener("abort", () =>
            reject(new ProviderUnavailableError(provider.id, `It did not list its models within ${listTimeoutMs} ms.`)),
          ),
        ),
      ]);
      listing = { at: now(), models };
    } catch (error) {
      listing = { at: now(), models: previous?.models ?? [], error: reasonOf(error) };
    }
    this.#listings.set(provider.id, listing);
    return listing;
  }
}

function present(provider: ModelProvider, model: ModelDescriptor, error: string | undefined): RegistryModel {
  return {
    ...model,
    id: `${provider.id}/${model.id}`,
    provider: provider.id,
    providerKind: provider.kind,
    modelId: model.id,
    isAvailable: error === undefined,
    ...(error === undefined ? {} : { unavailableReason: error }),
  };
}

function reasonOf(error: unknown): string {
  if (error instanceof ProviderUnavailableError) return error.reason;
  return error instanceof Error ? error.message : String(error);
}
