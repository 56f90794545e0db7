import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import {
  type Clock,
  createRevocations,
  createSharedEventBus,
  interruptUnfinishedReplies,
  type Logger,
  ModelCalls,
  ModelRegistry,
  type ModelSource,
  migrations,
  type Orphans,
  pruneEventStreams,
  pruneEvents,
  pruneRateLimits,
  pruneSessions,
  readInstallationId,
  systemClock,
  type Tool,
} from "@hearth/core";
import {
  type Broadcast,
  type Database,
  type DataDirLock,
  lockDataDir,
  migrate,
  openDatabase,
  openPostgresBroadcast,
} from "@hearth/db";
import type { LanguageModel } from "@hearth/engine";
import { createAdaptorServer, type ServerType } from "@hono/node-server";
import { type AppDependencies, createApp } from "./app.ts";
import { createChatRuntime } from "./chat-runtime.ts";
import { answerClientError } from "./client-error.ts";
import type { Config } from "./config.ts";
import { EngineHolder } from "./engine-holder.ts";
import { localModelProvider } from "./local-model-provider.ts";
import { createMetrics } from "./metrics.ts";
import { createConfiguredProviders } from "./model-providers.ts";

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
}

export interface RunningHearth {
  url: string;
  /** Resolves once the database is open and migrated (when /readyz turns 200); rejects if that fails. */
  ready: Promise<void>;
  /** Resolves once no reply is being written (tests wait for it before emptying the database). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** The PostgreSQL channel on which nodes announce the events they log. */
const EVENTS_CHANNEL = "hearth_events";
const HOUSEKEEPING_INTERVAL_MS = 60 * 60 * 1000;
const RATE_LIMIT_RETENTION_MS = 24 * 60 * 60 * 1000;
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
}: StartOptions): Promise<RunningHearth> {
  const isEmbedded = database === undefined && config.databaseUrl === undefined;
  // Taken before anything else, so a second Hearth on the same dir stops before touching it.
  const lock: DataDirLock | undefined = isEmbedded ? await lockDataDir(config.dataDir) : undefined;
  let db: Database | undefined;
  let opened: Database | undefined;
  let installationId: string | undefined;

  const metrics = createMetrics();
  const modelCalls = new ModelCalls(metrics);
  const engine = new EngineHolder({
    config,
    logger,
    metrics,
    // Replies and /v1 calls both hold the engine's models.
    isIdle: () => chat.generations.activeCount === 0 && modelCalls.activeCount === 0,
  });
  const configured = createConfiguredProviders({
    config,
    logger,
    database: () => db,
    local: localModelProvider(engine, config.modelsDir as string),
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
      : { languageModel: async (id) => wrapReplyModel(await models.languageModel(id)) };
  // On PostgreSQL, events reach every node that shares the database (LISTEN/NOTIFY); on the embedded
  // database there is one node, and they stay in this process.
  const bus = createSharedEventBus({ nodeId: randomUUID(), database: () => db, logger });
  let broadcast: Broadcast | undefined;
  const chat = createChatRuntime({
    config,
    logger,
    clock,
    metrics,
    models,
    bus,
    ...(replyModels ? { replyModels } : {}),
    ...(extraTools ? { extraTools } : {}),
  });
  const revocations = createRevocations();
  revocations.subscribe((revocation) => chat.streams.revoke(revocation));
  const app = createApp({
    config,
    logger,
    clock,
    metrics,
    database: () => db,
    installationId: () => installationId,
    engine,
    chat,
    revocations,
    providers: configured,
    modelCalls,
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
      broadcast = await openPostgresBroadcast({
        url: config.databaseUrl,
        channel: EVENTS_CHANNEL,
        onMessage: (message) => bus.receive(message),
        onReconnect: () => {
          logger.info({ channel: EVENTS_CHANNEL }, "listening for other nodes' events again");
          bus.resync();
        },
        onError: (error) => logger.warn({ err: error }, "the connection that hears other nodes' events failed"),
      });
      bus.connect(broadcast);
    }
    const applied = await migrate(opened, migrations);
    logger.info({ applied, database: opened.kind }, applied.length > 0 ? "migrations applied" : "database up to date");
    // Before any request: a reply still marked as being written lost its writer with the last process;
    // among nodes, only one whose lease ran out (the others are being written elsewhere).
    const interrupted = await interruptUnfinishedReplies(opened, chat.bus, clock.now(), orphansOf(opened));
    if (interrupted > 0) logger.warn({ interrupted }, "replies interrupted by the last shutdown marked as such");
    installationId = await readInstallationId(opened);
    db = opened;
  })();
  // A failed start is reported through `ready`; this only keeps it from being an unhandled rejection too.
  ready.catch(() => {});

  const housekeeping = setInterval(() => {
    if (db === undefined) return;
    const now = clock.now();
    Promise.all([
      pruneSessions(db, now),
      pruneRateLimits(db, new Date(now.getTime() - RATE_LIMIT_RETENTION_MS)),
      pruneEvents(db, new Date(now.getTime() - config.chat.eventRetentionSeconds * 1000)),
      pruneEventStreams(db, new Date(now.getTime() - STALE_STREAM_RETENTION_MS)),
    ]).catch((error: unknown) => logger.warn({ err: error }, "housekeeping failed"));
  }, HOUSEKEEPING_INTERVAL_MS);
  housekeeping.unref();

  // Among nodes, a node killed mid-reply leaves it to the others: whichever looks next after its lease ran out.
  let isSweeping = false;
  const orphanSweep = setInterval(() => {
    if (db === undefined || db.kind !== "postgres" || isSweeping) return;
    isSweeping = true;
    interruptUnfinishedReplies(db, chat.bus, clock.now(), orphansOf(db))
      .then((count) => {
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

  return {
    url,
    ready,
    idle: () => chat.generations.idle(),
    async close() {
      clearInterval(housekeeping);
      clearInterval(streamCheck);
      clearInterval(orphanSweep);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      });
      await ready.catch(() => {});
      // Replies being written are stored as interrupted, with their text, before the database closes.
      await chat.generations.close();
      await configured.close();
      await engine.close();
      await broadcast?.close();
      // A database handed in by the caller is the caller's to close.
      if (database === undefined) await opened?.close();
      await lock?.release();
    },
  };
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
