/**
 * @module The engine's spec: what the rest of Hearth knows of a model. Providers implement it (after
 * the Vercel AI SDK's provider spec); nothing here knows HTTP, SQL or a particular runtime, and it has
 * no dependencies.
 */

import type { ToolSupport } from "./model-provider.ts";

/** A JSON Schema (draft 2020-12 or 7) object, as sent by clients and passed to providers. */
export type JsonSchema = { [key: string]: unknown };

export interface TextPart {
  type: "text";
  text: string;
}

/** A call the model made. `input` is the JSON text of its arguments, as the model wrote it. */
export interface ToolCallPart {
  type: "tool-call";
  toolCallId: string;
  toolName: string;
  input: string;
}

/** What running a tool gave back, told to the model in the next step. */
export interface ToolResultPart {
  type: "tool-result";
  toolCallId: string;
  toolName: string;
  /** The result as text (JSON for structured results). */
  output: string;
  /** The tool failed; `output` says why. */
  isError?: boolean;
}

export type PromptMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: readonly TextPart[] }
  | { role: "assistant"; content: readonly (TextPart | ToolCallPart)[] }
  | { role: "tool"; content: readonly ToolResultPart[] };

/** A conversation as a model reads it, oldest first. */
export type Prompt = readonly PromptMessage[];

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments (an object schema). */
  inputSchema: JsonSchema;
}

/** The tools a call offers, as counting needs them. */
export type ToolOptions = Pick<CallOptions, "tools" | "toolChoice">;

export type ToolChoice = "auto" | "none" | "required" | { type: "tool"; toolName: string };

export type ResponseFormat = { type: "text" } | { type: "json"; schema?: JsonSchema; name?: string };

export interface CallOptions {
  prompt: Prompt;
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  minP?: number;
  /** Penalty on repeating recent tokens (1 = none), as llama.cpp and Ollama name it. */
  repeatPenalty?: number;
  seed?: number;
  stopSequences?: readonly string[];
  /** JSON output: a grammar on llama.cpp, passed through to remote providers. */
  responseFormat?: ResponseFormat;
  tools?: readonly ToolDefinition[];
  toolChoice?: ToolChoice;
  /**
   * false: at most one tool call in the reply (OpenAI's `parallel_tool_calls`); by default as many
   * as the model makes.
   */
  parallelToolCalls?: boolean;
  /**
   * Asks for each token's log probability and this many likeliest alternatives (0–20), as OpenAI's
   * `logprobs`/`top_logprobs`. Only providers that have them give them (text deltas then carry
   * `logprobs`); the others ignore it. llama.cpp through node-llama-cpp's chat has none.
   */
  topLogprobs?: number;
  /** Aborting stops generation: the stream ends with a `finish` part of reason `abort`. */
  abortSignal?: AbortSignal;
}

export type FinishReason = "stop" | "length" | "tool-calls" | "abort" | "error";

/** One token of a text delta with its log probability and its likeliest alternatives (see `topLogprobs`). */
export interface TokenLogprob {
  token: string;
  logprob: number;
  /** The token's UTF-8 bytes, where the provider gives them (a token may be part of a character). */
  bytes: number[] | null;
  topLogprobs: { token: string; logprob: number; bytes: number[] | null }[];
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** Of `inputTokens`, those the model held already from an earlier call (a prompt's shared start). */
  cachedInputTokens?: number;
}

/**
 * What a model streams. Text and tool calls come in the order the model wrote them; a tool call may
 * first stream its arguments (`tool-input-delta`, same `toolCallId`), and always ends with one
 * complete `tool-call`. The last part is always `finish`, including on abort and on a provider
 * failure after the first part (`finishReason: "error"` with `error`).
 */
export type StreamPart =
  | { type: "text-delta"; text: string; logprobs?: readonly TokenLogprob[] }
  | { type: "tool-input-delta"; toolCallId: string; toolName: string; delta: string }
  | ({ type: "tool-call" } & Omit<ToolCallPart, "type">)
  | { type: "finish"; finishReason: FinishReason; usage: Usage; error?: string };

/** How much of a conversation a model can read at once, in its own tokens. */
export interface ContextWindow {
  /** Tokens per sequence: the prompt and the reply together. */
  contextTokens: number;
  /**
   * The most UTF-8 bytes of text one token can stand for, so a text of B bytes is at least
   * ceil(B / maxTokenBytes) tokens: what cannot fit is refused before anything is counted.
   * Infinity where the model gives no such bound.
   */
  maxTokenBytes: number;
  /**
   * Whether counts are exact (a local tokenizer) or an estimate that never runs short (a remote model).
   */
  isExact: boolean;
  /**
   * How the loaded model calls tools, where the engine knows (a local model's chat template);
   * undefined for a remote model, whose provider's listing says what it supports.
   */
  tools?: ToolSupport;
  /**
   * Tokens one message adds to a prompt, its chat template included. Never fewer than the model reads;
   * it may stop counting once the count passes `stopAbove`, and then answers some number above it.
   * Asynchronous so that counting a long text never holds the event loop.
   */
  countMessageTokens(message: PromptMessage, stopAbove?: number): Promise<number>;
  /**
   * Tokens of the whole prompt: as templated for the model, with the reply's opening, and with what
   * offering `tools` under `toolChoice` adds (their documentation in the prompt can run to hundreds of
   * tokens), so a call made with the same options fits where the count says it does.
   */
  countPromptTokens(prompt: Prompt, stopAbove?: number, tools?: ToolOptions): Promise<number>;
}

/** One model of one provider, ready to be called. */
export interface LanguageModel {
  /** The provider's id, as in qualified model ids (`local`, `ollama`, `openai`). */
  readonly provider: string;
  /** The model's id within its provider (`qwen2.5-1.5b-q4_k_m`, `llama3.2:latest`). */
  readonly modelId: string;
  contextWindow(): Promise<ContextWindow>;
  /**
   * Streams a reply. Fails (rejects the first read) before any part for a model that cannot be
   * reached, and with UnsupportedCallOptionError for options it cannot honour; later failures end the
   * stream with `finishReason: "error"`.
   */
  doStream(options: CallOptions): AsyncIterable<StreamPart>;
}

export interface EmbeddingModel {
  readonly provider: string;
  readonly modelId: string;
  /** One vector per text, in order. */
  doEmbed(texts: readonly string[], options?: { abortSignal?: AbortSignal }): Promise<number[][]>;
}
