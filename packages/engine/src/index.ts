export { EngineProcess, type EngineProcessOptions } from "./engine-process/engine-process.ts";
export type { UnloadOutcome } from "./engine-process/protocol.ts";
export { chatTemplateProblem } from "./llama-cpp/chat-template.ts";
export { type GgufDetails, inspectGguf } from "./llama-cpp/inspect-gguf.ts";
export { listLocalModels } from "./llama-cpp/list-gguf-models.ts";
export type { LlamaCppInfo, LlamaCppOptions } from "./llama-cpp/llama-cpp-provider.ts";
export { LlamaCppProvider } from "./llama-cpp/llama-cpp-provider.ts";
export {
  hasLocalBuild,
  type LocalBuild,
  type LocalBuildState,
  type LocalBuildStatus,
  missingBuildTools,
  startLocalBuild,
} from "./llama-cpp/local-build.ts";
export { type PullOptions, PullSourceError, preparePull } from "./llama-cpp/pull-model.ts";
export { createOllamaProvider, type OllamaProviderOptions } from "./ollama/ollama-provider.ts";
export {
  createOpenAICompatibleProvider,
  type OpenAICompatibleProviderOptions,
} from "./openai-compatible/openai-compatible-provider.ts";
export type {
  CallOptions,
  ContextWindow,
  EmbeddingModel,
  FinishReason,
  JsonSchema,
  LanguageModel,
  LoadedModelState,
  ModelCapabilities,
  ModelDescriptor,
  ModelLoadSettings,
  ModelProvider,
  Prompt,
  PromptMessage,
  ResponseFormat,
  StreamPart,
  TextPart,
  ToolCallPart,
  ToolChoice,
  ToolDefinition,
  ToolOptions,
  ToolResultPart,
  ToolSupport,
  Usage,
} from "./spec/index.ts";
export { NoSuchModelError, ProviderUnavailableError, UnsupportedCallOptionError } from "./spec/index.ts";
