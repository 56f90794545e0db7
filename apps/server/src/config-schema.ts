import { ProviderConfig, parseSecretKey, SECRET_KEY_FORMAT } from "@hearth/core";
import { z } from "zod";
import { isAddressOrBlock } from "./proxy-trust.ts";

const LogLevel = z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);
const seconds = (fallback: number) =>
  z
    .number()
    .int()
    .min(1)
    .max(10 * 365 * 24 * 3600)
    .default(fallback);

/** Every setting Hearth reads, with its default. Nested objects are strict: an unknown key is an error. */
export const ConfigSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().min(1).default("127.0.0.1"),
      port: z.number().int().min(0).max(65_535).default(8080),
      /**
       * Read the client IP and scheme from X-Forwarded-For/-Proto, written by proxies you run: `true`
       * (one proxy), a number of proxy hops, or the proxies' addresses and CIDR blocks.
       */
      trustProxy: z
        .union(
          [
            z.boolean(),
            z.number().int().min(0).max(32),
            z
              .array(z.string().refine(isAddressOrBlock, "must be an IP address or a CIDR block like 10.0.0.0/8"))
              .min(1),
          ],
          { error: "must be true, false, a number of proxy hops (0–32), or a list of proxy addresses/CIDR blocks" },
        )
        .default(false),
      /** Largest request body accepted on /api and /v1, in bytes. */
      bodyLimitBytes: z
        .number()
        .int()
        .min(1024)
        .max(1024 ** 3)
        .default(1024 * 1024),
      /** The built web app to serve at / (default: apps/web/dist of this checkout); the status page where none is built. */
      webDir: z.string().min(1).optional(),
      /**
       * On SIGTERM or SIGINT, how long replies being written may take to finish before they are
       * stored as interrupted; meanwhile the node takes no new requests and its streams move on.
       */
      drainSeconds: z.number().int().min(0).max(3600).default(20),
      /**
       * How often expired sessions, old events and rate-limit windows are pruned: once per period
       * among all nodes (whichever node claims it runs it).
       */
      housekeepingSeconds: z.number().int().min(1).default(3600),
      /**
       * On the embedded database (PGlite, which has no autovacuum), how often tables are looked at and
       * vacuumed or analyzed where autovacuum's thresholds say so. A PostgreSQL server does its own.
       */
      maintenanceSeconds: z.number().int().min(1).max(86_400).default(60),
      /**
       * A background job's claim lasts this long unless its node renews it (every third of it): a node
       * killed mid-job frees it for another node this long after.
       */
      jobLeaseSeconds: z.number().int().min(3).max(3600).default(60),
      /**
       * Among nodes, the address other nodes reach this one at, to send it /v1 requests for models only
       * it holds (default: http://<host>:<port>, with the machine's hostname where host is 0.0.0.0 or ::).
       */
      advertiseUrl: z
        .string()
        .regex(/^https?:\/\/[^/]+\/?$/, "must be an http:// or https:// origin, like http://10.0.0.5:8080")
        .optional(),
    })
    .prefault({}),
  /** Where the embedded database, models and files live. */
  dataDir: z.string().min(1).default("./data"),
  /** GGUF models; defaults to <dataDir>/models. */
  modelsDir: z.string().min(1).optional(),
  /**
   * The key that encrypts secrets stored in the database (providers' API keys); by default
   * <dataDir>/secret.key, created on first need. Nodes that share a database must share this key.
   */
  secretKey: z
    .string()
    .refine((key) => parseSecretKey(key) !== undefined, SECRET_KEY_FORMAT)
    .optional(),
  /** postgres://… to use a PostgreSQL server instead of the embedded database. */
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  /**
   * redis://… (or rediss:// for TLS): among nodes, events go through Redis pub/sub instead of
   * PostgreSQL LISTEN/NOTIFY. Needs `databaseUrl`: the embedded database serves one process.
   */
  redisUrl: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
    .optional(),
  log: z.strictObject({ level: LogLevel.default("info") }).prefault({}),
  auth: z
    .strictObject({
      cookieName: z
        .string()
        .regex(/^[A-Za-z0-9_-]+$/, "may hold letters, digits, '_' and '-'")
        .default("hearth_session"),
      sessionIdleSeconds: seconds(7 * 24 * 3600),
      sessionAbsoluteSeconds: seconds(30 * 24 * 3600),
      /**
       * How long a resolved session or API key answers from memory without a query (0: never). A change
       * to it (logout, revoke, role, disable) empties every node's copy at once; this bounds the rest.
       */
      credentialCacheSeconds: z.number().int().min(0).max(300).default(30),
      loginRateLimit: z
        .strictObject({
          perAccount: z.number().int().min(1).default(10),
          perIp: z.number().int().min(1).default(50),
          /** Failures on one account from all addresses together, after which answers are slowed, never refused. */
          slowDownAfter: z.number().int().min(1).default(100),
          windowSeconds: seconds(15 * 60),
        })
        .prefault({}),
    })
    .prefault({}),
  engine: z
    .strictObject({
      /** CPU threads for inference; by default chosen for the llama.cpp binary and the machine. */
      threads: z.number().int().min(1).max(512).optional(),
      /** Tokens of context per sequence (capped at the model's own). */
      contextSize: z.number().int().min(256).max(1_048_576).default(4096),
      /**
       * Replies one loaded model writes at once, batched into one decode (each sequence gets its own
       * contextSize of memory); more requests wait for a free one.
       */
      sequencesPerModel: z.number().int().min(1).max(64).default(1),
      /** Loaded models are unloaded, least recently used first, to stay under this; default half the RAM (or of the container's memory limit, where one is set). */
      memoryBudgetMb: z.number().int().min(64).optional(),
      gpu: z.enum(["auto", "off"]).default("auto"),
      /**
       * `background`: where cmake, g++ and git are present and no local llama.cpp build exists, compile
       * one in the background (lowest priority) and switch to it when idle. `off`: only `npm run build-llama`.
       */
      localBuild: z.enum(["background", "off"]).default("background"),
      /** The model of conversations that name none; by default the first installed one. */
      defaultModel: z.string().min(1).optional(),
    })
    .prefault({}),
  models: z
    .strictObject({
      /** A provider that has not listed its models within this is shown unavailable, with that reason. */
      listTimeoutSeconds: seconds(5),
      /** A provider's model list is reused this long before it is asked again. */
      listCacheSeconds: seconds(10),
      /** Where admins' `hf:` pulls are resolved and downloaded from: Hugging Face, or a mirror. */
      huggingFaceEndpoint: z
        .string()
        .regex(/^https?:\/\//, "must be an http:// or https:// URL")
        .default("https://huggingface.co/"),
      /** A Hugging Face access token, for gated models (a secret: redacted from logs). */
      huggingFaceToken: z.string().min(1).optional(),
      /** The most the local models (the models dir) may hold, in bytes: a pull that would pass it is refused. */
      maxTotalBytes: z.number().int().min(1).optional(),
      /**
       * Remote model providers (OpenAI-compatible servers, Ollama), besides those admins add at
       * /api/admin/providers. Changed only here; their API keys are secrets (redacted from logs).
       */
      providers: z
        .array(ProviderConfig)
        .max(100)
        .superRefine((providers, context) => {
          const seen = new Set<string>();
          providers.forEach((provider, index) => {
            if (seen.has(provider.id)) {
              context.addIssue({ code: "custom", path: [index, "id"], message: `the id ${provider.id} is used twice` });
            }
            seen.add(provider.id);
          });
        })
        .default([]),
    })
    .prefault({}),
  chat: z
    .strictObject({
      /** Replies one user may have waiting or being written at once; more get 429. */
      maxRepliesInProgress: z.number().int().min(1).max(1000).default(4),
      /** The longest reply, in tokens (shorter when the conversation fills the context). */
      maxReplyTokens: z.number().int().min(1).max(1_048_576).default(2048),
      /** Model calls per reply in a conversation with tools (a tool's result is read by the next call); the last may not call tools. */
      maxToolSteps: z.number().int().min(2).max(50).default(5),
      /** A tool call still running after this long is stopped, and the model told so. */
      toolTimeoutSeconds: seconds(10),
      /** A tool's output past this many bytes is cut before the model reads it. */
      toolOutputBytes: z
        .number()
        .int()
        .min(256)
        .max(1024 * 1024)
        .default(16 * 1024),
      /** Token deltas are gathered this long before they are stored and streamed. */
      coalesceMs: z.number().int().min(1).max(5000).default(50),
      /** How long the event log keeps events for reconnecting clients (Last-Event-ID). */
      eventRetentionSeconds: seconds(24 * 3600),
      /** A comment line keeps idle event streams open through proxies. */
      heartbeatSeconds: seconds(15),
      /** What one event-stream client may leave unread before it is read from the log instead. */
      streamBufferBytes: z
        .number()
        .int()
        .min(4096)
        .max(256 * 1024 * 1024)
        .default(256 * 1024),
      /** A client that takes nothing for this long while events wait is disconnected. */
      streamStallSeconds: seconds(30),
      /**
       * How often each open event stream's session or API key is checked again: a stream whose
       * credential ended (on any node) ends within this. Revocations on this node end streams at once.
       */
      streamAuthCheckSeconds: seconds(5),
      /**
       * Among nodes (PostgreSQL), a reply is held by the node writing it, which renews the hold every
       * third of this while it runs; a reply not renewed for this long lost its node (killed) and is
       * marked interrupted by whichever node looks next (they look every half of it).
       */
      replyLeaseSeconds: z.number().int().min(2).max(3600).default(30),
    })
    .prefault({}),
  search: z
    .strictObject({
      /**
       * The model that embeds messages and queries for search by meaning (\`provider/model\`, e.g. a local
       * embedding GGUF); unset, search works by keyword only. Changing it re-embeds in the background.
       */
      embeddingModel: z.string().min(1).max(200).optional(),
      /** How often each node looks for finished messages to index. */
      indexCheckMs: z.number().int().min(50).max(3_600_000).default(2000),
    })
    .prefault({}),
  /** What replies read from a user's memory once they turn it on (PATCH /api/memory/settings). */
  memory: z
    .strictObject({
      /** The most tokens of a prompt memory takes (a quarter of the model's context at most). */
      recallTokens: z.number().int().min(0).max(100_000).default(1000),
      /** The most passages of the user's other conversations one reply reads. */
      recallPassages: z.number().int().min(0).max(50).default(5),
      /** Passages found by meaning only count from this cosine similarity up. */
      minSimilarity: z.number().min(-1).max(1).default(0.3),
      /** How long recall waits for the question's vector before it searches by keyword alone. */
      embedTimeoutMs: z.number().int().min(1).max(60_000).default(2000),
    })
    .prefault({}),
  /** What one user may hold or do; an admin can raise or lower each for one user (PUT /api/admin/users/{id}/limits). */
  limits: z
    .strictObject({
      /** Event streams one user may have open at once. */
      eventStreams: z.number().int().min(1).max(100_000).default(20),
      /** API keys one user may hold (revoked keys do not count). */
      apiKeys: z.number().int().min(1).max(100_000).default(25),
      /** Conversations one user may create per minute. */
      conversationsPerMinute: z.number().int().min(1).max(1_000_000).default(30),
      /** Messages one user may send, edit or regenerate per minute. */
      messagesPerMinute: z.number().int().min(1).max(1_000_000).default(30),
      /** Bytes of message text one user may store (a quota; deleted-but-restorable conversations count). */
      storageBytes: z
        .number()
        .int()
        .min(1)
        .max(Number.MAX_SAFE_INTEGER)
        .default(1024 ** 3),
    })
    .prefault({}),
  /** OpenTelemetry traces, off until an OTLP endpoint is set (tracing.ts). */
  tracing: z
    .strictObject({
      /** The OTLP/HTTP endpoint (a collector's, e.g. http://otel-collector:4318): traces go to <endpoint>/v1/traces. */
      otlpEndpoint: z
        .string()
        .regex(/^https?:\/\//, "must be an http:// or https:// URL")
        .optional(),
      serviceName: z.string().min(1).max(200).default("hearth"),
      /** Of the traces that start here (not continued from a caller), the share kept. */
      sampleRatio: z.number().min(0).max(1).default(1),
    })
    .prefault({}),
  metrics: z
    .strictObject({
      /** What Prometheus sends as `Authorization: Bearer <token>`; without it only admins may read /metrics. */
      token: z.string().min(16).optional(),
    })
    .prefault({}),
});

export type Config = z.infer<typeof ConfigSchema>;

/** Settings whose values never appear in logs or error messages; `*` stands for every item of a list. */
export const SECRET_KEYS = new Set([
  "databaseUrl",
  "redisUrl",
  "metrics.token",
  "secretKey",
  "models.providers.*.apiKey",
  "models.huggingFaceToken",
]);

/** Conventional environment names, besides the generated HEARTH_* ones. */
export const ENV_ALIASES: Record<string, string> = {
  PORT: "server.port",
  HOST: "server.host",
  DATABASE_URL: "databaseUrl",
  REDIS_URL: "redisUrl",
  OTEL_EXPORTER_OTLP_ENDPOINT: "tracing.otlpEndpoint",
  OTEL_SERVICE_NAME: "tracing.serviceName",
  HF_ENDPOINT: "models.huggingFaceEndpoint",
  HF_TOKEN: "models.huggingFaceToken",
  LOG_LEVEL: "log.level",
};

/** Short flags, besides the generated --section.key-name ones. */
export const FLAG_ALIASES: Record<string, string> = {
  port: "server.port",
  host: "server.host",
  "data-dir": "dataDir",
  "models-dir": "modelsDir",
  "database-url": "databaseUrl",
  "redis-url": "redisUrl",
  "log-level": "log.level",
};
