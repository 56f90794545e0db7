import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import {
  type Clock,
  CredentialCache,
  claimReplies,
  createRevocations,
  createSharedEventBus,
  databaseRates,
  enqueueJob,
  expireJobLeases,
  forgetNodeModels,
  interruptUnfinishedReplies,
  type JobHandler,
  type JobRuntime,
  JobWorker,
  LOCAL_PROVIDER,
  type Logger,
  localLoadSettings,
  ModelCalls,
  ModelPulls,
  ModelRegistry,
  type ModelSource,
  migrations,
  nodesHolding,
  type Orphans,
  otherNodesModels,
  pruneEventStreams,
  pruneEvents,
  pruneJobRuns,
  pruneJobs,
  pruneRateLimits,
  pruneRates,
  pruneSessions,
  publishNodeModels,
  type RateStore,
  readInstallationId,
  redisRates,
  runScheduled,
  SEARCH_INDEX_QUEUE,
  SearchIndexer,
  systemClock,
  type Tool,
} from "@hearth/core";
import {
  type Broadcast,
  type Database,
  type DataDirLock,
  lockDataDir,
  maintainPglite,
  migrate,
  openDatabase,
  openPostgresBroadcast,
  openRedisBroadcast,
  openRedisRates,
  type RedisRates,
} from "@hearth/db";
import { type LanguageModel, listLocalModels, preparePull } from "@hearth/engine";
import type { ModelDescriptor, ModelProvider } from "@hearth/engine/spec";
import { createAdaptorServer, type ServerType } from "@hono/node-server";
import { context, propagation } from "@opentelemetry/api";
import { type AppDependencies, createApp } from "./app.ts";
import { createChatRuntime } from "./chat-runtime.ts";
import { answerClientError } from "./client-error.ts";
import type { Config } from "./config.ts";
import { EngineHolder } from "./engine-holder.ts";
import { localModelProvider } from "./local-model-provider.ts";
import { createMetrics } from "./metrics.ts";
import { createConfiguredProviders } from "./model-providers.ts";
import { forwardToHolder } from "./node-forwarding.ts";
import { createReadiness } from "./readiness.ts";
import { startTracing, traceDatabase } from "./tracing.ts";

export interface StartOptions {
  config: Config;
  logger: Logger;
  clock?: Clock;
  /** An already open database (tests); by default the one the configuration names. */
  database?: Database;
  /** Wraps the models that write replies (tests inject a failure into the real engine with it). */
  wrapReplyModel?: (model: LanguageModel) => LanguageModel;
  /** Tools to offer besides the built-in ones. */
  extraTools?: readonly Tool[];
  /** Told of each problem a route answers with but does not declare (tests; see app.ts). */
  onUndeclaredProblem?: AppDependencies["onUndeclaredProblem"];
  /** Job handlers besides the built-in ones, by queue (tests). */
  extraJobHandlers?: ReadonlyMap<string, JobHandler>;
}

export interface RunningHearth {
  url: string;
  /** Resolves once the database is open and migrated (when /readyz turns 200); rejects if that fails. */
  ready: Promise<void>;
  /** The durable job queue (tests queue jobs with it). */
  jobs: JobRuntime;
  /** Resolves once no reply is being written (tests wait for it before emptying the database). */
  idle(): Promise<void>;
  /**
   * Shuts down gently (SIGTERM): /readyz turns 503 and API requests get 503 `node-draining` (to be
   * sent again elsewhere), event streams end with a reconnect hint, replies being written get up to
   * `server.drainSeconds` to finish; then `close`.
   */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/** The channel (PostgreSQL or Redis) on which nodes announce the events they log. */
const EVENTS_CHANNEL = "hearth_events";
/** The notice nodes send each other when a model's settings change (see SharedEventBus.notify). */
const MODEL_SETTINGS_TOPIC = "model-settings";
/** The notice nodes send each other when a session, key or user changes (see CredentialCache). */
const CREDENTIALS_TOPIC = "credentials";
/** The notice nodes send each other when jobs were queued: their workers read the queue at once. */
const JOBS_TOPIC = "jobs";
/** How often a node's job worker reads the queue when nothing woke it, and how long its claim holds. */
const JOB_POLL_MS = 5_000;
/** Finished jobs are kept this long for admins to look at; dead ones longer. */
const DONE_JOB_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const DEAD_JOB_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
const RATE_LIMIT_RETENTION_MS = 24 * 60 * 60 * 1000;
/** How often a node tells the others which local models it holds, and when its word stops counting. */
/** The embedded database's maintenance rebuilds a search index once no one has asked anything for this long… */
const REBUILD_AFTER_IDLE_MS = 10 * 60 * 1000;
/** …or once a rebuild has waited this long. */
const REBUILD_AT_THE_LATEST_MS = 24 * 60 * 60 * 1000;
/** Requests that say nothing of anyone using the server: probes and scrapes. */
const PROBE_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);
const NODE_MODELS_REFRESH_MS = 10_000;
const NODE_MODELS_STALE_MS = 3 * NODE_MODELS_REFRESH_MS;
/** A handed-off reply nobody claimed for this long (its hand-off was lost) is taken by a sweep. */
const UNCLAIMED_SWEEP_MS = 2_000;
/** Stream rows stop counting once a few checks were missed; they are deleted well after, by then surely orphaned. */
const STALE_STREAM_RETENTION_MS = 60 * 60 * 1000;

/**
 * Starts Hearth: takes the data-dir lock, listens at once (so /healthz and /readyz answer), then
 * opens and migrates the database in the background.
 */
export async function startHearth({
  config,
  logger,
  clock = systemClock,
  database,
  wrapReplyModel,
  extraTools,
  onUndeclaredProblem,
  extraJobHandlers,
}: StartOptions): Promise<RunningHearth> {
  const isEmbedded = database === undefined && config.databaseUrl === undefined;
  // Taken before anything else, so a second Hearth on the same dir stops before touching it.
  const lock: DataDirLock | undefined = isEmbedded ? await lockDataDir(config.dataDir) : undefined;
  let db: Database | undefined;
  let opened: Database | undefined;
  let installationId: string | undefined;
  let isDraining = false;

  const metrics = createMetrics();
  const modelCalls = new ModelCalls(metrics);
  const engine = new EngineHolder({
    config,
    logger,
    metrics,
    // Replies and /v1 calls both hold the engine's models.
    isIdle: () => chat.generations.activeCount === 0 && modelCalls.activeCount === 0,
    modelSettings: async () => (db === undefined ? {} : localLoadSettings(db)),
  });
  // Among nodes (PostgreSQL), each node holds the GGUF files of its own models dir: the local provider
  // lists them with the other nodes' (node_models), and a reply is written where its model is.
  const isClustered = config.databaseUrl !== undefined && database === undefined;
  const nodeId = randomUUID();
  const tracing = startTracing(config.tracing, nodeId);
  /** This node's own local models, as last listed (undefined until then). */
  let ownModels: Set<string> | undefined;
  const listOwnModels = async (): Promise<ModelDescriptor[]> => {
    const listed = await listLocalModels(config.modelsDir as string).catch(() => []);
    ownModels = new Set(listed.map((model) => model.id));
    return listed;
  };
  const ownLocal = localModelProvider(engine, config.modelsDir as string);
  const local: ModelProvider = !isClustered
    ? ownLocal
    : {
        ...ownLocal,
        async listModels() {
          const own = await ownLocal.listModels();
          ownModels = new Set(own.map((model) => model.id));
          if (db === undefined) return own;
          const since = new Date(clock.now().getTime() - NODE_MODELS_STALE_MS);
          const elsewhere = await otherNodesModels(db, nodeId, since);
          return [...own, ...elsewhere.filter((model) => !ownModels?.has(model.id))];
        },
      };
  const configured = createConfiguredProviders({
    config,
    logger,
    database: () => db,
    local,
    onChange: (providerId) => models.forget(providerId),
  });
  const models: ModelRegistry = new ModelRegistry({
    providers: () => configured.providers(),
    settings: {
      listTimeoutMs: config.models.listTimeoutSeconds * 1000,
      cacheMs: config.models.listCacheSeconds * 1000,
    },
  });
  const replyModels: ModelSource | undefined =
    wrapReplyModel === undefined
      ? undefined
      : { languageModel: async (id) => wrapReplyModel(await models.languageModel(id)), find: (id) => models.find(id) };
  // Among nodes (PostgreSQL), events reach every node through Redis pub/sub where it is configured,
  // else LISTEN/NOTIFY; on the embedded database there is one node, and they stay in this process.
  const bus = createSharedEventBus({ nodeId, database: () => db, logger });
  let broadcast: Broadcast | undefined;
  /** Rate-limit state in Redis, where it is configured (see quotas/rate-store.ts). */
  let rates: RateStore | undefined;
  let redisRateClient: RedisRates | undefined;
  const chat = createChatRuntime({
    config,
    logger,
    clock,
    metrics,
    models,
    bus,
    ...(replyModels ? { replyModels } : {}),
    ...(extraTools ? { extraTools } : {}),
    // The search indexer is made below, once the job queue is: memory reads its model when a reply starts.
    embedder: () => search.embedder,
  });
  const qualifiedOwnModels = () => [...(ownModels ?? [])].map((id) => `${LOCAL_PROVIDER}/${id}`);
  const claim = (messageIds?: string[], traceParent?: string) => {
    const current = db;
    if (current === undefined || isDraining || (ownModels?.size ?? 0) === 0) return;
    const now = clock.now();
    claimReplies(current, {
      models: qualifiedOwnModels(),
      leaseUntil: chat.generations.leaseUntil(now),
      ...(messageIds ? { messageIds } : { createdBefore: new Date(now.getTime() - UNCLAIMED_SWEEP_MS) }),
    })
      .then((jobs) => {
        for (const job of jobs) chat.generations.start(current, traceParent ? { ...job, traceParent } : job);
      })
      .catch((error: unknown) => logger.warn({ err: error }, "claiming replies handed to this node failed"));
  };
  if (isClustered) {
    chat.placement = {
      runsHere: (model) =>
        !model.startsWith(`${LOCAL_PROVIDER}/`) ||
        ownModels === undefined ||
        ownModels.has(model.slice(LOCAL_PROVIDER.length + 1)),
      handOff: (messageId) => {
        // The node that writes it continues this request's trace.
        const carrier: { traceparent?: string } = {};
        propagation.inject(context.active(), carrier);
        bus.handOff(messageId, carrier.traceparent);
      },
      forward: forwardToHolder({
        nodeId,
        logger,
        holders: async (modelId) => {
          if (db === undefined) return [];
          return nodesHolding(db, nodeId, modelId, new Date(clock.now().getTime() - NODE_MODELS_STALE_MS));
        },
      }),
    };
    bus.onHandOff((messageId, traceParent) => claim([messageId], traceParent));
  }
  const modelPulls = new ModelPulls({
    modelsDir: config.modelsDir as string,
    nodeId,
    clock,
    logger,
    maxTotalBytes: config.models.maxTotalBytes,
    // A pull's node renews it like a reply's: one that stops renewing is resumed elsewhere after it ran out.
    leaseMs: config.chat.replyLeaseSeconds * 1000,
    prepare: (options) =>
      preparePull({
        ...options,
        huggingFaceEndpoint: config.models.huggingFaceEndpoint,
        ...(config.models.huggingFaceToken ? { huggingFaceToken: config.models.huggingFaceToken } : {}),
      }),
    onModelAdded: () => {
      models.forget(LOCAL_PROVIDER);
      if (isClustered) void publishModelsNow();
    },
  });
  // Another node changed a model's settings: this node's engine loads with the new ones.
  bus.onNotice(MODEL_SETTINGS_TOPIC, () => void engine.pushModelSettings());
  // Authenticated reads cost no query while their credential is in here; a change anywhere empties it
  // on every node (a notice on the shared bus, or the resync after the bus reconnects).
  const credentials = new CredentialCache({
    ttlMs: config.auth.credentialCacheSeconds * 1000,
    maxEntries: 10_000,
    now: () => clock.now().getTime(),
    onInvalidate: () => bus.notify(CREDENTIALS_TOPIC),
  });
  bus.onNotice(CREDENTIALS_TOPIC, () => credentials.clear());
  const revocations = createRevocations();
  revocations.subscribe((revocation) => chat.streams.revoke(revocation));
  // The durable job queue: this node's worker starts once the database is ready (below); an enqueue
  // anywhere wakes every node's worker through the shared bus.
  const jobHandlers = new Map<string, JobHandler>([...(extraJobHandlers ?? [])]);
  let jobWorker: JobWorker | undefined;
  const jobs: JobRuntime = {
    async enqueue(job) {
      const current = db;
      if (current === undefined) throw new Error("the database is not ready: no job can be queued yet");
      const id = await enqueueJob(current, job, clock.now());
      if (id !== undefined) jobs.wake();
      return id;
    },
    wake() {
      jobWorker?.wake();
      bus.notify(JOBS_TOPIC);
    },
  };
  bus.onNotice(JOBS_TOPIC, () => jobWorker?.wake());
  // Search: each node looks for finished messages to index and queues the one sweep that does it.
  const search = new SearchIndexer({
    models: chat.models,
    jobs,
    logger,
    now: () => clock.now(),
    settings: { embeddingModel: config.search.embeddingModel, checkIntervalMs: config.search.indexCheckMs },
  });
  jobHandlers.set(
    SEARCH_INDEX_QUEUE,
    search.handler(() => db),
  );
  const app = createApp({
    config,
    logger,
    clock,
    metrics,
    database: () => db,
    readiness: createReadiness({
      database: () => db,
      events: () => eventsCheck(broadcast, config, database !== undefined),
      engine,
      isDraining: () => isDraining,
    }),
    isDraining: () => isDraining,
    installationId: () => installationId,
    engine,
    chat,
    revocations,
    credentials,
    jobs,
    search,
    rates: () => rates,
    providers: configured,
    modelCalls,
    modelPulls,
    localEngine: {
      load: async (modelId) => (await engine.get()).loadModel(modelId),
      unload: async (modelId) => (await engine.started()?.unloadModel(modelId)) ?? "not-loaded",
    },
    localModels: {
      ownModels: () => ownLocal.listModels(),
      engine: async () => {
        const started = engine.started();
        if (started === undefined) return undefined;
        return { info: started.info(), loaded: await started.loadedModels() };
      },
      onChanged: () => {
        void engine.pushModelSettings();
        bus.notify(MODEL_SETTINGS_TOPIC);
      },
    },
    ...(onUndeclaredProblem ? { onUndeclaredProblem } : {}),
  });
  let server: ServerType;
  try {
    server = await listen(app.fetch, config.server.host, config.server.port);
  } catch (error) {
    await lock?.release();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  engine
    .prepare()
    .catch((error: unknown) => logger.warn({ err: error }, "checking for a local llama.cpp build failed"));
  const host = config.server.host.includes(":") ? `[${config.server.host}]` : config.server.host;
  const url = `http://${host}:${port}`;
  // Where the other nodes send /v1 requests for the models only this node holds.
  const advertiseUrl =
    config.server.advertiseUrl?.replace(/\/$/, "") ??
    (["0.0.0.0", "::"].includes(config.server.host) ? `http://${hostname()}:${port}` : url);

  // Which unfinished replies lost their writer: on the embedded database (one node) every one, among
  // nodes those whose lease ran out.
  const leaseMs = config.chat.replyLeaseSeconds * 1000;
  const orphansOf = (target: Database): Orphans =>
    target.kind === "postgres" ? { all: false, leaseMs } : { all: true };
  const ready = (async () => {
    opened =
      database ??
      (await openDatabase(
        config.databaseUrl
          ? { kind: "postgres", url: config.databaseUrl }
          : { kind: "pglite", dataDir: config.dataDir },
      ));
    if (config.databaseUrl !== undefined && database === undefined) {
      const options = {
        channel: EVENTS_CHANNEL,
        onMessage: (message: string) => bus.receive(message),
        onReconnect: () => {
          logger.info({ channel: EVENTS_CHANNEL }, "listening for other nodes' events again");
          bus.resync();
        },
        onError: (error: unknown) =>
          logger.warn({ err: error }, "the connection that hears other nodes' events failed"),
      };
      broadcast =
        config.redisUrl === undefined
          ? await openPostgresBroadcast({ ...options, url: config.databaseUrl })
          : await openRedisBroadcast({ ...options, url: config.redisUrl }).catch((error: unknown) => {
              throw new Error(`Redis (redisUrl) cannot be reached: ${(error as Error).message}`);
            });
      bus.connect(broadcast);
      if (config.redisUrl !== undefined) {
        const onError = (error: unknown) =>
          logger.warn({ err: error }, "the Redis connection for rate limits failed; reconnecting");
        redisRateClient = await openRedisRates({ url: config.redisUrl, onError }).catch((error: unknown) => {
          throw new Error(`Redis (redisUrl) cannot be reached: ${(error as Error).message}`);
        });
        let lastFallbackAt = 0;
        const fallbackStore = databaseRates(opened);
        rates = redisRates(redisRateClient, fallbackStore, (error) => {
          // Once a minute at most: every limited request would say it otherwise.
          if (Date.now() - lastFallbackAt < 60_000) return;
          lastFallbackAt = Date.now();
          logger.warn({ err: error }, "Redis did not answer a rate-limit check: the database keeps them meanwhile");
        });
      }
    }
    const applied = await migrate(opened, migrations);
    logger.info({ applied, database: opened.kind }, applied.length > 0 ? "migrations applied" : "database up to date");
    // Before any request: a reply still marked as being written lost its writer with the last process;
    // among nodes, only one whose lease ran out (the others are being written elsewhere).
    const interrupted = await interruptUnfinishedReplies(opened, chat.bus, clock.now(), orphansOf(opened));
    if (interrupted > 0) logger.warn({ interrupted }, "replies interrupted by the last shutdown marked as such");
    installationId = await readInstallationId(opened);
    // Pulls a stopped process left (on the embedded database every one: it was this node) go on.
    const resumed = await modelPulls.resume(opened, { all: opened.kind !== "postgres" });
    if (resumed > 0) logger.info({ resumed }, "model pulls resumed");
    // Jobs a stopped process left running on the embedded database (only this one opens it) go on now.
    if (opened.kind !== "postgres") await expireJobLeases(opened, clock.now());
    db = tracing === undefined ? opened : traceDatabase(opened);
    jobWorker = new JobWorker({
      db,
      clock,
      logger,
      handlers: jobHandlers,
      settings: { nodeId, pollMs: JOB_POLL_MS, leaseMs: config.server.jobLeaseSeconds * 1000 },
    });
    jobWorker.start();
    await search.start(db);
  })();
  // A failed start is reported through `ready`; this only keeps it from being an unhandled rejection too.
  ready.catch(() => {});

  // Every node looks each period; one of them (whichever claims the period first) does the work.
  const housekeepingMs = config.server.housekeepingSeconds * 1000;
  const housekeeping = setInterval(() => {
    const current = db;
    if (current === undefined) return;
    const job = { name: "housekeeping", periodMs: housekeepingMs, nodeId, now: () => clock.now() };
    runScheduled(current, job, () => {
      const now = clock.now();
      return Promise.all([
        pruneSessions(current, now),
        pruneRateLimits(current, new Date(now.getTime() - RATE_LIMIT_RETENTION_MS)),
        // A rate whose time passed is whole again: its row says nothing a missing one would not.
        pruneRates(current, now),
        pruneEvents(current, new Date(now.getTime() - config.chat.eventRetentionSeconds * 1000)),
        pruneEventStreams(current, new Date(now.getTime() - STALE_STREAM_RETENTION_MS)),
        pruneJobRuns(current, now),
        pruneJobs(
          current,
          new Date(now.getTime() - DONE_JOB_RETENTION_MS),
          new Date(now.getTime() - DEAD_JOB_RETENTION_MS),
        ),
      ]);
    }).then(
      (ran) => {
        if (ran) metrics.jobRan("housekeeping", "done", clock.now());
      },
      (error: unknown) => {
        metrics.jobRan("housekeeping", "failed", clock.now());
        logger.warn({ err: error }, "housekeeping failed");
      },
    );
  }, housekeepingMs);
  housekeeping.unref();

  // The embedded database has no autovacuum: this process does its work (one process opens PGlite).
  // Building a search index's graph again stalls it (≈ 1.2 ms a vector): that waits until no one has
  // asked anything but health and metrics for a while, or, on a server never left alone, a day.
  let lastRequestAt = performance.now();
  let rebuildWaitsSince: number | undefined;
  server.on("request", (request: IncomingMessage) => {
    if (!PROBE_PATHS.has(request.url?.split("?", 1)[0] ?? "/")) lastRequestAt = performance.now();
  });
  let maintaining: Promise<void> | undefined;
  const maintenance = setInterval(() => {
    const current = db;
    if (current === undefined || current.kind !== "pglite" || maintaining !== undefined) return;
    const now = performance.now();
    const mayRebuild =
      now - lastRequestAt >= REBUILD_AFTER_IDLE_MS ||
      (rebuildWaitsSince !== undefined && now - rebuildWaitsSince >= REBUILD_AT_THE_LATEST_MS);
    maintaining = maintainPglite(current, { mayRebuild })
      .then(
        (tables) => {
          const isDeferred = tables.some((table) => table.action === "deferred");
          if (!isDeferred) rebuildWaitsSince = undefined;
          else rebuildWaitsSince ??= now;
          if (tables.every((table) => table.action === "deferred")) return;
          metrics.jobRan("database-maintenance", "done", clock.now());
          logger.info({ tables }, "embedded database vacuumed and analyzed");
        },
        (error: unknown) => {
          metrics.jobRan("database-maintenance", "failed", clock.now());
          logger.warn({ err: error }, "embedded database maintenance failed");
        },
      )
      .finally(() => {
        maintaining = undefined;
      });
  }, config.server.maintenanceSeconds * 1000);
  maintenance.unref();

  // Among nodes, a node killed mid-reply (or mid-pull) leaves it to the others: whichever looks next after its lease ran out.
  let isSweeping = false;
  const orphanSweep = setInterval(() => {
    if (db === undefined || db.kind !== "postgres" || isSweeping) return;
    isSweeping = true;
    const current = db;
    Promise.all([
      interruptUnfinishedReplies(current, chat.bus, clock.now(), orphansOf(current)),
      modelPulls.resume(current, { all: false }),
    ])
      .then(([count]) => {
        if (count > 0)
          logger.warn({ interrupted: count }, "replies whose node stopped renewing them marked interrupted");
      })
      .catch((error: unknown) => logger.warn({ err: error }, "looking for replies whose node is gone failed"))
      .finally(() => {
        isSweeping = false;
      });
  }, leaseMs / 2);
  orphanSweep.unref();

  // Ends the streams whose session or API key ended, wherever it was revoked.
  let isCheckingStreams = false;
  const streamCheck = setInterval(() => {
    if (db === undefined || isCheckingStreams) return;
    isCheckingStreams = true;
    chat.streams
      .check(db)
      .catch((error: unknown) => logger.warn({ err: error }, "checking the event streams' credentials failed"))
      .finally(() => {
        isCheckingStreams = false;
      });
  }, config.chat.streamAuthCheckSeconds * 1000);
  streamCheck.unref();

  // Among nodes: tell the others which models this node holds, and take handed-off replies whose
  // hand-off was lost.
  const publishModels = async () => {
    const current = db;
    if (current === undefined || isDraining) return;
    await publishNodeModels(current, { id: nodeId, url: advertiseUrl }, await listOwnModels(), clock.now());
  };
  const forgetModels = async () => {
    if (!isClustered || db === undefined) return;
    await forgetNodeModels(db, nodeId).catch((error: unknown) =>
      logger.warn({ err: error }, "removing this node's models from the list failed"),
    );
  };
  const publishModelsNow = () =>
    publishModels().catch((error: unknown) => logger.warn({ err: error }, "publishing this node's models failed"));
  if (isClustered) void ready.then(publishModelsNow, () => {});
  const nodeModels = isClustered ? setInterval(publishModelsNow, NODE_MODELS_REFRESH_MS) : undefined;
  nodeModels?.unref();
  const unclaimedSweep = isClustered ? setInterval(() => claim(), UNCLAIMED_SWEEP_MS) : undefined;
  unclaimedSweep?.unref();

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= closeOnce();
    return closing;
  };
  const closeOnce = async () => {
    clearInterval(housekeeping);
    clearInterval(maintenance);
    search.close();
    clearInterval(streamCheck);
    clearInterval(orphanSweep);
    clearInterval(nodeModels);
    clearInterval(unclaimedSweep);
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      if ("closeAllConnections" in server) server.closeAllConnections();
    });
    await ready.catch(() => {});
    // A table being vacuumed is finished before the database closes.
    await maintaining;
    await forgetModels();
    await modelPulls.close();
    // Jobs running here are queued again for another node (or the next start).
    await jobWorker?.close();
    // Replies being written are stored as interrupted, with their text, before the database closes.
    await chat.generations.close();
    await configured.close();
    await engine.close();
    await broadcast?.close();
    await redisRateClient?.close();
    // A database handed in by the caller is the caller's to close.
    if (database === undefined) await opened?.close();
    await lock?.release();
    await tracing?.shutdown();
  };
  return {
    url,
    ready,
    jobs,
    idle: () => chat.generations.idle(),
    async drain() {
      if (isDraining) return;
      isDraining = true;
      logger.info({ replies: chat.generations.activeCount, streams: chat.streams.size }, "draining");
      // Their clients reconnect through the load balancer, with Last-Event-ID, to another node; the
      // other nodes stop handing replies to this one.
      chat.streams.drain();
      await forgetModels();
      const deadline = new Promise<"late">((resolve) =>
        setTimeout(resolve, config.server.drainSeconds * 1000, "late").unref(),
      );
      const outcome = await Promise.race([chat.generations.idle().then(() => "finished" as const), deadline]);
      logger.info({ outcome, replies: chat.generations.activeCount }, "drained");
      await close();
    },
    close,
  };
}

/** Where events to the other nodes go, and whether that connection is up. */
function eventsCheck(broadcast: Broadcast | undefined, config: Config, isInjected: boolean) {
  if (config.databaseUrl === undefined || isInjected) return { ok: true, detail: "in this process (one node)" };
  const via = config.redisUrl === undefined ? "PostgreSQL LISTEN/NOTIFY" : "Redis pub/sub";
  if (broadcast === undefined) return { ok: false, detail: `${via}: connecting` };
  return broadcast.isConnected()
    ? { ok: true, detail: `${via}: connected` }
    : { ok: false, detail: `${via}: connection lost, reconnecting` };
}

function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  hostname: string,
  port: number,
): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = createAdaptorServer({ fetch });
    server.on("clientError", answerClientError);
    server.once("error", reject);
    server.listen(port, hostname, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}
