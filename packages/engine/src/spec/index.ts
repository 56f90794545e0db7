export type {
  CallOptions,
  ContextWindow,
  EmbeddingModel,
  FinishReason,
  JsonSchema,
  LanguageModel,
  Prompt,
  PromptMessage,
  ResponseFormat,
  StreamPart,
  TextPart,
  TokenLogprob,
  ToolCallPart,
  ToolChoice,
  ToolDefinition,
  ToolOptions,
  ToolResultPart,
  Usage,
} from "./language-model.ts";
export type {
  ModelCapabilities,
  ModelDescriptor,
  ModelProvider,
  ToolSupport,
} from "./model-provider.ts";
export type { PreparedPull, PullProgress } from "./model-pull.ts";
export { CHAT_FORMATS, type ChatFormat, type LoadedModelState, type ModelLoadSettings } from "./model-settings.ts";
export { NoSuchModelError } from "./no-such-model-error.ts";
export { ProviderUnavailableError } from "./provider-unavailable-error.ts";
export { UnsupportedCallOptionError } from "./unsupported-call-option-error.ts";
