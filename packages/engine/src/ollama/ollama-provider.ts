/** @module A model provider for an Ollama server, through the `ollama` client and Ollama's own API. */
import { Ollama } from "ollama";
import { startDeadline } from "../remote/deadline.ts";
import { estimateContextWindow } from "../remote/estimate-context-window.ts";
import type { EmbeddingModel, LanguageModel } from "../spec/language-model.ts";
import type { ModelDescriptor, ModelProvider } from "../spec/model-provider.ts";
import { NoSuchModelError } from "../spec/no-such-model-error.ts";
import { embedWithOllama } from "./embed-with-ollama.ts";
import { listOllamaModels, type OllamaFactsCache } from "./list-ollama-models.ts";
import { createOllamaFetch } from "./ollama-fetch.ts";
import type { OllamaCall } from "./stream-ollama-chat.ts";
import { streamOllamaChat } from "./stream-ollama-chat.ts";
import { type OllamaFailureContext, toOllamaProviderError } from "./to-ollama-provider-error.ts";

export interface OllamaProviderOptions {
  /** The provider id, the prefix of its models' qualified ids (`ollama`). */
  id: string;
  /** Ollama's address: `http://127.0.0.1:11434`. */
  host: string;
  /** How long Ollama keeps a model loaded after a call (`"5m"`, seconds, `-1` for ever); Ollama's default if unset. */
  keepAlive?: string | number;
  /** How long a call waits: for the first byte of a reply, or for the whole answer of a listing or embedding. */
  timeoutMs: number;
  /** Sent as `Authorization: Bearer`, for ollama.com or an Ollama behind an authenticating proxy. */
  apiKey?: string;
  /** Tokens of context asked of Ollama per reply (`num_ctx`), capped by the model's own; 8192 by default. */
  contextTokens?: number;
  /** The fetch to send requests with; the global one by default. */
  fetch?: typeof fetch;
}

/** How long a model listing answers `languageModel` lookups before it is asked for again. */
const LISTING_TTL_MS = 30_000;

/** Creates a provider for the models of one Ollama server. */
export function createOllamaProvider(options: OllamaProviderOptions): ModelProvider {
  const baseFetch = options.fetch ?? fetch;
  const headers = options.apiKey ? { Authorization: `Bearer ${options.apiKey}` } : undefined;
  const factsByDigest: OllamaFactsCache = new Map();
  let listing: { models: ModelDescriptor[]; listedAt: number } | undefined;

  const failureContext = (hasExpired: boolean): OllamaFailureContext => ({
    providerId: options.id,
    host: options.host,
    apiKey: options.apiKey,
    timeoutMs: options.timeoutMs,
    hasExpired,
    knownModels: listing?.models.map((model) => model.id) ?? [],
  });
  const call: OllamaCall = {
    clientFor: (signal) =>
      new Ollama({ host: options.host, fetch: createOllamaFetch(baseFetch, signal), ...(headers ? { headers } : {}) }),
    timeoutMs: options.timeoutMs,
    keepAlive: options.keepAlive,
    failureContext,
  };

  async function listModels(request?: { abortSignal?: AbortSignal }): Promise<ModelDescriptor[]> {
    const deadline = startDeadline(options.timeoutMs, request?.abortSignal);
    try {
      const models = await listOllamaModels(call.clientFor(deadline.signal), factsByDigest);
      listing = { models, listedAt: Date.now() };
      return models;
    } catch (error) {
      if (request?.abortSignal?.aborted && !deadline.hasExpired) throw request.abortSignal.reason;
      throw toOllamaProviderError(error, failureContext(deadline.hasExpired));
    } finally {
      deadline.stop();
    }
  }

  /** A model with the capability asked for; a listing older than the TTL, or without it, is renewed. */
  async function findModel(modelId: string, capability: "chat" | "embeddings"): Promise<ModelDescriptor> {
    const isFresh = listing && Date.now() - listing.listedAt < LISTING_TTL_MS;
    const models =
      (isFresh && listing?.models.some((model) => model.id === modelId) ? listing.models : undefined) ??
      (await listModels());
    const capable = models.filter((model) => model.capabilities[capability]);
    const model = capable.find((entry) => entry.id === modelId);
    if (!model)
      throw new NoSuchModelError(
        modelId,
        capable.map((entry) => entry.id),
      );
    return model;
  }

  const contextTokens = options.contextTokens ?? 8192;
  return {
    id: options.id,
    kind: "ollama",
    listModels,
    async languageModel(modelId: string): Promise<LanguageModel> {
      const model = await findModel(modelId, "chat");
      const tokens = Math.min(contextTokens, model.capabilities.contextLength ?? contextTokens);
      return {
        provider: options.id,
        modelId,
        contextWindow: async () => estimateContextWindow(tokens),
        doStream: (callOptions) => streamOllamaChat(call, modelId, tokens, callOptions),
      };
    },
    async embeddingModel(modelId: string): Promise<EmbeddingModel> {
      await findModel(modelId, "embeddings");
      return {
        provider: options.id,
        modelId,
        doEmbed: (texts, embedOptions) => embedWithOllama(call, modelId, texts, embedOptions?.abortSignal),
      };
    },
    async close() {
      listing = undefined;
      factsByDigest.clear();
    },
  };
}
