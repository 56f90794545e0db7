import {
  builtInTools,
  type ChatRuntime,
  type Clock,
  type Embedder,
  type EventBus,
  Generations,
  type Logger,
  type ModelRegistry,
  type ModelSource,
  StreamRegistry,
  type Tool,
  ToolRegistry,
} from "@hearth/core";
import type { Config } from "./config.ts";
import type { Metrics } from "./metrics.ts";

/** The event bus, the reply writer, the open streams and their settings, as configured. */
export function createChatRuntime(deps: {
  config: Config;
  logger: Logger;
  clock: Clock;
  metrics: Metrics;
  models: ModelRegistry;
  /** How events reach this node's streams, and other nodes' (server.ts). */
  bus: EventBus;
  /** Where replies get their models: the registry, unless a test wraps it. */
  replyModels?: ModelSource;
  /** Tools registered after the built-in ones (tests add tools through this seam). */
  extraTools?: readonly Tool[];
  /** Search's embedding model, for memory's recall by meaning (set once search starts). */
  embedder?: () => Embedder | undefined;
}): ChatRuntime {
  const { config, metrics, bus } = deps;
  const tools = new ToolRegistry();
  for (const tool of [...builtInTools(deps.clock), ...(deps.extraTools ?? [])]) tools.register(tool);
  return {
    bus,
    models: deps.models,
    tools,
    generations: new Generations({
      models: deps.replyModels ?? deps.models,
      bus,
      clock: deps.clock,
      logger: deps.logger,
      settings: {
        maxReplyTokens: config.chat.maxReplyTokens,
        coalesceMs: config.chat.coalesceMs,
        leaseMs: config.chat.replyLeaseSeconds * 1000,
      },
      metrics,
      memory: {
        embedder: deps.embedder ?? (() => undefined),
        settings: {
          maxTokens: config.memory.recallTokens,
          maxPassages: config.memory.recallPassages,
          minSimilarity: config.memory.minSimilarity,
          embedTimeoutMs: config.memory.embedTimeoutMs,
        },
      },
      tools: {
        registry: tools,
        settings: {
          maxSteps: config.chat.maxToolSteps,
          timeoutMs: config.chat.toolTimeoutSeconds * 1000,
          outputBytes: config.chat.toolOutputBytes,
        },
      },
    }),
    defaultModel: config.engine.defaultModel,
    maxRepliesInProgress: config.chat.maxRepliesInProgress,
    stream: {
      heartbeatMs: config.chat.heartbeatSeconds * 1000,
      maxBufferedBytes: config.chat.streamBufferBytes,
      stallTimeoutMs: config.chat.streamStallSeconds * 1000,
    },
    streams: new StreamRegistry({
      clock: deps.clock,
      logger: deps.logger,
      settings: {
        checkIntervalMs: config.chat.streamAuthCheckSeconds * 1000,
        session: { idleSeconds: config.auth.sessionIdleSeconds, absoluteSeconds: config.auth.sessionAbsoluteSeconds },
      },
    }),
    streamMetrics: { opened: () => metrics.streamOpened(), closed: (reason) => metrics.streamClosed(reason) },
  };
}
