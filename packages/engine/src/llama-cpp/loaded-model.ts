import type {
  ChatWrapper,
  LlamaContext,
  LlamaContextSequence,
  LlamaEmbeddingContext,
  LlamaModel,
} from "node-llama-cpp";
import type { GgufFile } from "./list-gguf-models.ts";
import type { Slots } from "./slots.ts";

/** A GGUF model in memory, with its context and what was worked out once at load. */
export interface LoadedModel {
  file: GgufFile;
  model: LlamaModel;
  /**
   * Resolved once per load: resolving it (parsing the model's Jinja template, probing the known
   * wrappers) took 130–230 ms, which LlamaChat would otherwise spend on every request.
   */
  chatWrapper: ChatWrapper;
  /** See ContextWindow.maxTokenBytes; read once from the vocabulary. */
  maxTokenBytes: number;
  context: LlamaContext;
  /** What it was loaded with (see ModelLoadSettings), compared with the settings now to find it stale. */
  loadedWith: string;
  slots: Slots;
  /**
   * Sequences no reply uses now, each with the prompt it last evaluated (as JSON), the
   * most recently used last. Kept rather than given back, so a reply whose prompt starts as one of
   * theirs did (the next turn of a conversation, the same system prompt) evaluates only what differs.
   */
  idleSequences: { sequence: LlamaContextSequence; prompt: string }[];
  lastUsedAt: number;
  embeddingContext?: Promise<LlamaEmbeddingContext>;
}
