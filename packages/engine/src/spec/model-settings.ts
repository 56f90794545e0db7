/**
 * @module How an admin has set a local model to load: the settings the llama.cpp engine reads when it
 * loads the model (the sampling defaults and system prompt are Hearth's, applied before a call).
 */

/**
 * The built-in chat formats a model can be told to use instead of the one its GGUF names, as
 * node-llama-cpp calls them (its `specializedChatWrapperTypeNames`; a test keeps the two lists equal).
 */
export const CHAT_FORMATS = [
  "general",
  "deepSeek",
  "qwen",
  "llama3.2-lightweight",
  "llama3.1",
  "llama3",
  "llama2Chat",
  "mistral",
  "alpacaChat",
  "functionary",
  "chatML",
  "falconChat",
  "gemma4",
  "gemma",
  "harmony",
  "muse",
  "seed",
] as const;

export type ChatFormat = (typeof CHAT_FORMATS)[number];

/** What the engine loads a model with; what is unset takes the engine's default. */
export interface ModelLoadSettings {
  /** Tokens of context per sequence, at most what the model was trained on. */
  contextSize?: number;
  /** Layers offloaded to the GPU: `auto` fits what its memory holds; 0 keeps the model on the CPU. */
  gpuLayers?: "auto" | number;
  /** A built-in chat format (see CHAT_FORMATS) or a Jinja template, instead of what the GGUF names. */
  chatTemplate?: string;
  /** Seconds it stays loaded after its last use; unset, until the memory budget needs the room. */
  keepLoadedSeconds?: number;
}

/** A model the engine holds, as it was loaded. */
export interface LoadedModelState {
  modelId: string;
  state: "loading" | "loaded";
  /** Known once loaded. */
  contextSize: number | null;
  gpuLayers: number | null;
  chatFormat: string | null;
  /** Replies and calls using it now, and waiting for one of its sequences. */
  busy: number;
  waiting: number;
  /** Unix ms of its last use. */
  lastUsedAt: number | null;
  /** When it unloads unless used again (Unix ms), where it has a keep-loaded time. */
  unloadsAt: number | null;
  /** Loaded with settings that have changed since: it reloads with the new ones once idle. */
  isStale: boolean;
}
