/** @module A model provider for any server that speaks OpenAI's API, through the official client. */
import OpenAI from "openai";
import { startDeadline } from "../remote/deadline.ts";
import { displayUrl } from "../remote/describe-network-failure.ts";
import { estimateContextWindow } from "../remote/estimate-context-window.ts";
import { describeContentType, UnexpectedAnswerError } from "../remote/unexpected-answer-error.ts";
import type { EmbeddingModel, LanguageModel } from "../spec/language-model.ts";
import type { ModelDescriptor, ModelProvider } from "../spec/model-provider.ts";
import { NoSuchModelError } from "../spec/no-such-model-error.ts";
import { embedWithOpenAI } from "./embed-with-openai.ts";
import { readOpenAIModels } from "./read-openai-models.ts";
import { streamOpenAIChat } from "./stream-openai-chat.ts";
import { tokenLimitFieldFor } from "./to-openai-chat-request.ts";
import type { OpenAIFailureContext } from "./to-openai-provider-error.ts";
import { toOpenAIProviderError } from "./to-openai-provider-error.ts";

export interface OpenAICompatibleProviderOptions {
  /** The provider id, the prefix of its models' qualified ids (`openai`, `vllm`). */
  id: string;
  /** The API's base URL, usually ending in /v1: `http://127.0.0.1:11434/v1`, `https://api.openai.com/v1`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer`; without one no Authorization header is sent. */
  apiKey?: string;
  /** How long a call waits: for the first byte of a reply, or for the whole answer of a listing or embedding. */
  timeoutMs: number;
  /** Context tokens assumed for a model whose listing gives no context length; 8192 by default. */
  defaultContextTokens?: number;
  /** The fetch to send requests with; the global one by default. */
  fetch?: typeof fetch;
}

/** How long a model listing answers `languageModel` lookups before it is asked for again. */
const LISTING_TTL_MS = 30_000;

function createClient(options: OpenAICompatibleProviderOptions): OpenAI {
  return new OpenAI({
    baseURL: options.baseUrl,
    // The client refuses to start without a key; without one, the header is removed below. Passing
    // every option explicitly keeps OPENAI_API_KEY & co. of Hearth's environment out of requests
    // to servers that are not OpenAI.
    apiKey: options.apiKey || "none",
    organization: null,
    project: null,
    ...(options.apiKey ? {} : { defaultHeaders: { Authorization: null } }),
    // Retries would multiply the timeout; Hearth reports the failure and the user retries.
    maxRetries: 0,
    timeout: options.timeoutMs,
    logLevel: "off",
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/** Creates a provider for an OpenAI-compatible server: Ollama's /v1, vLLM, LM Studio, llama-server, OpenAI, OpenRouter. */
export function createOpenAICompatibleProvider(options: OpenAICompatibleProviderOptions): ModelProvider {
  const client = createClient(options);
  const defaultContextTokens = options.defaultContextTokens ?? 8192;
  let listing: { models: ModelDescriptor[]; listedAt: number } | undefined;

  const failureContext = (hasExpired: boolean): OpenAIFailureContext => ({
    providerId: options.id,
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    timeoutMs: options.timeoutMs,
    hasExpired,
    knownModels: listing?.models.map((model) => model.id) ?? [],
  });

  async function listModels(call?: { abortSignal?: AbortSignal }): Promise<ModelDescriptor[]> {
    const deadline = startDeadline(options.timeoutMs, call?.abortSignal);
    try {
      const { data, response } = await client.get<unknown>("/models", { signal: deadline.signal }).withResponse();
      const models = readOpenAIModels(data);
      if (!models) {
        const what = typeof data === "string" ? describeContentType(response.headers.get("content-type")) : "JSON";
        throw new UnexpectedAnswerError(
          `${displayUrl(options.baseUrl)}/models answered ${what} that is not a model list: check that the base URL is an OpenAI-compatible API's.`,
        );
      }
      listing = { models, listedAt: Date.now() };
      return models;
    } catch (error) {
      if (call?.abortSignal?.aborted && !deadline.hasExpired) throw call.abortSignal.reason;
      throw toOpenAIProviderError(error, failureContext(deadline.hasExpired));
    } finally {
      deadline.stop();
    }
  }

  async function findModel(modelId: string): Promise<ModelDescriptor> {
    const isFresh = listing && Date.now() - listing.listedAt < LISTING_TTL_MS;
    const cached = isFresh ? listing?.models.find((model) => model.id === modelId) : undefined;
    if (cached) return cached;
    const models = await listModels();
    const model = models.find((entry) => entry.id === modelId);
    if (!model)
      throw new NoSuchModelError(
        modelId,
        models.map((entry) => entry.id),
      );
    return model;
  }

  const call = {
    client,
    timeoutMs: options.timeoutMs,
    tokenLimitField: tokenLimitFieldFor(options.baseUrl),
    failureContext,
  };

  return {
    id: options.id,
    kind: "openai-compatible",
    listModels,
    async languageModel(modelId: string): Promise<LanguageModel> {
      const model = await findModel(modelId);
      return {
        provider: options.id,
        modelId,
        contextWindow: async () => estimateContextWindow(model.capabilities.contextLength ?? defaultContextTokens),
        doStream: (callOptions) => streamOpenAIChat(call, modelId, callOptions),
      };
    },
    async embeddingModel(modelId: string): Promise<EmbeddingModel> {
      // Any listed model may embed: llama-server and Ollama embed with chat models too, and names
      // are only a hint. A model that cannot gets the server's own refusal.
      await findModel(modelId);
      return {
        provider: options.id,
        modelId,
        doEmbed: (texts, embedOptions) => embedWithOpenAI(call, modelId, texts, embedOptions?.abortSignal),
      };
    },
    async close() {
      listing = undefined;
    },
  };
}
