export { apiKeyRoutes } from "./accounts/api-key-routes.ts";
export { authenticate, CSRF_HEADER, requireAdmin } from "./accounts/authenticate.ts";
export { CredentialCache } from "./accounts/credential-cache.ts";
export type { LoginPolicy } from "./accounts/login.ts";
export type { Principal } from "./accounts/principal.ts";
export type { AccountsProblem } from "./accounts/problems.ts";
export { createRevocations, type Revocation, type Revocations } from "./accounts/revocations.ts";
export { sessionRoutes } from "./accounts/session-routes.ts";
export type { SessionPolicy } from "./accounts/sessions.ts";
export { pruneSessions } from "./accounts/sessions.ts";
export { setupRoutes } from "./accounts/setup-routes.ts";
export { isSameSecret } from "./accounts/tokens.ts";
export { userAdminRoutes } from "./accounts/user-admin-routes.ts";
export type { AssistantsProblem } from "./assistants/problems.ts";
export { assistantRoutes } from "./assistants/routes.ts";
export type { Clock } from "./clock.ts";
export { systemClock } from "./clock.ts";
export type { ChatRuntime, EventStreamSettings } from "./conversations/chat.ts";
export {
  ConversationEvent,
  type ConversationEventType,
  type EventData,
} from "./conversations/event-schemas.ts";
export { createInProcessEventBus, type EventBus, pruneEvents } from "./conversations/events.ts";
export {
  type GenerationMetrics,
  type GenerationSettings,
  Generations,
  type ModelSource,
} from "./conversations/generations.ts";
export { interruptUnfinishedReplies, type Orphans } from "./conversations/interrupt-unfinished-replies.ts";
export { messageRoutes } from "./conversations/message-routes.ts";
export { claimReplies, type ReplyPlacement } from "./conversations/placement.ts";
export type { ConversationsProblem } from "./conversations/problems.ts";
export { conversationRoutes } from "./conversations/routes.ts";
export { type Announcer, createSharedEventBus, type SharedEventBus } from "./conversations/shared-event-bus.ts";
export { pruneEventStreams, StreamRegistry } from "./conversations/stream-registry.ts";
export type { AccountsSettings, AppEnv, AppVariables, EngineAccess } from "./http/app-env.ts";
export { createRouter } from "./http/create-router.ts";
export type { Problem, ProblemCode } from "./http/problem-codes.ts";
export {
  ADMIN_ROLE,
  jsonContent,
  PROBLEMS_EXTENSION,
  Problem as ProblemSchema,
  problems,
} from "./http/route-helpers.ts";
export { enqueueJob, expireJobLeases, type NewJob, pruneJobs } from "./jobs/job-queue.ts";
export { type JobHandler, type JobRuntime, JobWorker } from "./jobs/job-worker.ts";
export type { JobsProblem } from "./jobs/problems.ts";
export { jobRoutes } from "./jobs/routes.ts";
export { pruneJobRuns, runScheduled } from "./jobs/scheduled-jobs.ts";
export { limitRoutes } from "./limits/routes.ts";
export { type LimitName, limitsFor, type UserLimits } from "./limits/user-limits.ts";
export type { Logger } from "./logger.ts";
export type { MemoryProblem } from "./memory/problems.ts";
export type { MemoryDeps, RecallSettings } from "./memory/recall.ts";
export { memoryRoutes } from "./memory/routes.ts";
export { migrations } from "./migrations.ts";
export {
  LOCAL_PROVIDER,
  type ModelList,
  ModelRegistry,
  type ModelRegistrySettings,
  type ProviderStatus,
  type RegistryModel,
} from "./models/model-registry.ts";
export { forgetNodeModels, nodesHolding, otherNodesModels, publishNodeModels } from "./models/node-models.ts";
export { ModelPulls } from "./models/pulls/model-pulls.ts";
export type { ModelsProblem } from "./models/pulls/problems.ts";
export { type LocalModelFiles, modelPullRoutes } from "./models/pulls/routes.ts";
export { modelRoutes } from "./models/routes.ts";
export { localLoadSettings } from "./models/settings/model-settings.ts";
export { type LocalModelSettingsDeps, modelSettingsRoutes } from "./models/settings/routes.ts";
export { ModelCalls } from "./openai-api/model-calls.ts";
export type { OpenAiApiProblem } from "./openai-api/problems.ts";
export { openAiRoutes } from "./openai-api/routes.ts";
export { OpenAiError } from "./openai-api/schema.ts";
export { FORWARDED_BY_HEADER } from "./openai-api/send-to-holder.ts";
export type { CommonProblem, FieldIssue, Result } from "./problems.ts";
export { ProblemError, raise } from "./problems.ts";
export {
  ConfiguredProviders,
  type ConfiguredProvidersOptions,
  type ProviderFactory,
} from "./providers/configured-providers.ts";
export { readInstallationId } from "./providers/installation.ts";
export type { ProvidersProblem } from "./providers/problems.ts";
export { providerFetch } from "./providers/provider-fetch.ts";
export { parseVia, serveInChain, VIA_HEADER } from "./providers/request-chain.ts";
export { providerRoutes } from "./providers/routes.ts";
export { ProviderConfig, type ProviderKind, type ProviderSettings } from "./providers/schema.ts";
export {
  createSecretBox,
  parseSecretKey,
  SECRET_KEY_FORMAT,
  type SecretBox,
  SecretKeyError,
} from "./providers/secret-box.ts";
export { pruneRates } from "./quotas/gcra.ts";
export { databaseRates, type RateStore, redisRates } from "./quotas/rate-store.ts";
export { quotaRoutes } from "./quotas/routes.ts";
export { pruneRateLimits } from "./rate-limits/service.ts";
export type { SearchProblem } from "./search/problems.ts";
export { searchRoutes } from "./search/routes.ts";
export type { Embedder } from "./search/search-index.ts";
export { SEARCH_INDEX_QUEUE, SearchIndexer, type SearchSettings } from "./search/search-indexer.ts";
export { builtInTools } from "./tools/built-in-tools.ts";
export { toolRoutes } from "./tools/routes.ts";
export type { Tool } from "./tools/tool.ts";
export { ToolRegistry } from "./tools/tool-registry.ts";
export { usageRoutes } from "./usage/routes.ts";
