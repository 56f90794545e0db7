import type { EmbeddingModel, LanguageModel } from "./language-model.ts";

/** How a model can use tools: `native` by its chat template or API, `emulated` by Hearth's prompt and grammar. */
export type ToolSupport = "native" | "emulated" | "none";

export interface ModelCapabilities {
  chat: boolean;
  embeddings: boolean;
  tools: ToolSupport;
  vision: boolean;
  /** Tokens the model reads at once, where the provider says. */
  contextLength?: number;
}

/** A model as its provider lists it. */
export interface ModelDescriptor {
  /** The id within its provider. */
  id: string;
  capabilities: ModelCapabilities;
  sizeBytes?: number;
  /** Whether the model is in memory now (local and Ollama models). */
  isLoaded?: boolean;
  /** What else the provider tells of it (family, parameter size, quantization …), for display. */
  details?: Record<string, string>;
}

/**
 * A source of models: the embedded llama.cpp engine, an Ollama server, an OpenAI-compatible API.
 * Every method may fail with ProviderUnavailableError when the provider cannot be reached.
 */
export interface ModelProvider {
  /** Unique among the configured providers; the prefix of its models' qualified ids. */
  readonly id: string;
  /** What kind of provider this is (`llama.cpp`, `ollama`, `openai-compatible`). */
  readonly kind: string;
  listModels(options?: { abortSignal?: AbortSignal }): Promise<ModelDescriptor[]>;
  /** Throws NoSuchModelError for a model the provider does not have. */
  languageModel(modelId: string): Promise<LanguageModel>;
  /** Throws NoSuchModelError for a model the provider does not have or cannot embed with. */
  embeddingModel(modelId: string): Promise<EmbeddingModel>;
  close(): Promise<void>;
}
