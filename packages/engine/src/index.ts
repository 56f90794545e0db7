export type {
  ChatMessage,
  ChatModelProvider,
  ChatRequest,
  ChatStreamPart,
  ContextWindow,
  ModelInfo,
  StopReason,
  TokenUsage,
} from "./language-model.ts";
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
export { NoSuchModelError } from "./no-such-model-error.ts";
