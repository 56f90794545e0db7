/**
 * The engine's spec: what the rest of Hearth knows of a model provider. Providers implement it;
 * nothing here knows HTTP, SQL or a particular runtime.
 */
export interface ModelInfo {
  /** Stable id used in requests: for local GGUF files, the file name without `.gguf`. */
  id: string;
  provider: string;
  sizeBytes?: number;
  /** Whether the model is in memory right now. */
  isLoaded: boolean;
}

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface ChatRequest {
  model: string;
  /** Oldest first; the last one is the user's turn being answered. */
  messages: readonly ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  /** Aborting stops generation; the stream then ends with `stopReason: "abort"` and the partial text. */
  signal?: AbortSignal;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export type StopReason = "stop" | "length" | "abort";

export type ChatStreamPart =
  | { type: "delta"; text: string }
  | { type: "finish"; stopReason: StopReason; usage: TokenUsage };

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
   * Tokens one message adds to a prompt, its chat template included. Never fewer than the model reads;
   * it may stop counting once the count passes `stopAbove`, and then answers some number above it.
   * Asynchronous so that counting a long text never holds the event loop.
   */
  countMessageTokens(message: ChatMessage, stopAbove?: number): Promise<number>;
  /** Tokens of the whole prompt for `messages`: as templated for the model, with the reply's opening. */
  countPromptTokens(messages: readonly ChatMessage[], stopAbove?: number): Promise<number>;
}

export interface ChatModelProvider {
  readonly name: string;
  listModels(): Promise<ModelInfo[]>;
  /** Loads the model if needed. Throws NoSuchModelError for an unknown model. */
  contextWindow(model: string): Promise<ContextWindow>;
  /** Streams a reply. Throws NoSuchModelError for an unknown model before the first part. */
  streamChat(request: ChatRequest): AsyncIterable<ChatStreamPart>;
  embed(model: string, texts: readonly string[]): Promise<number[][]>;
  close(): Promise<void>;
}
