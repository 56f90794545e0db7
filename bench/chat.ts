/**
 * The `chat` section of `npm run bench`: replies streamed over SSE against the engine called directly,
 * the last page of a 100,000-message conversation on PGlite and PostgreSQL, the time to a reply's first
 * delta, and the server's memory after 1,000 messages. Each against a baseline measured in the same run.
 */
import { rm } from "node:fs/promises";
import { type Database, lockDataDir, openDatabase } from "@hearth/db";
import { EngineProcess } from "@hearth/engine";
import { type BenchModel, CONTEXT_SIZE } from "./bench-model.ts";
import { ChatClient } from "./chat-client.ts";
import { type FirstDeltaFigures, type LastPageFigures, measureFirstDelta, measureLastPage } from "./chat-history.ts";
import { type MemoryFigures, measureMemory } from "./chat-memory.ts";
import { measureStreaming, type StreamingFigures } from "./chat-streaming.ts";
import { undoOnInterrupt } from "./cleanup.ts";
import { openBenchPostgres } from "./postgres-server.ts";
import { findBenchUser, type SeededConversation, seedConversation } from "./seed-conversation.ts";
import { type ServerProcess, startServer } from "./server-process.ts";
import { authHeaders, type Credentials, setUpAccount } from "./setup-account.ts";

/** The reply length of the streaming figures (chat.maxReplyTokens of the server that measures them). */
const REPLY_TOKENS = 256;
/** Short replies for the memory figure, so 500 sends take minutes, not an hour. */
const MEMORY_REPLY_TOKENS = 8;
const LONG_CONVERSATION = 100_000;
const SHORT_CONVERSATION = 100;

export interface ChatSettings {
  threads: number | undefined;
  /** Streaming figures: engine and SSE runs each. */
  repetitions: number;
  /** Last-page figures: requests per conversation and database. */
  requests: number;
  /** First-delta figures: sends per conversation kind. */
  sends: number;
  memorySends: number;
  postgresUrl: string | undefined;
}

export interface ChatFigures {
  threads: number;
  contextSize: number;
  buildType: string;
  seedSeconds: { pglite: number; postgres?: number };
  streaming: StreamingFigures;
  lastPage: { pglite: LastPageFigures; postgres: LastPageFigures | { skipped: string } };
  firstDelta: FirstDeltaFigures;
  memory: MemoryFigures;
}

type Env = (replyTokens: number) => Record<string, string>;
type Progress = (message: string) => void;

export async function measureChat(
  root: string,
  model: BenchModel,
  settings: ChatSettings,
  progress: Progress,
): Promise<ChatFigures> {
  const provider = await EngineProcess.create({
    modelsDir: model.modelsDir,
    gpu: false,
    contextSize: CONTEXT_SIZE,
    ...(settings.threads === undefined ? {} : { threads: settings.threads }),
  });
  const { threads, buildType } = provider.info();
  // The server gets the engine settings the direct calls use.
  const env: Env = (replyTokens) => ({
    HEARTH_MODELS_DIR: model.modelsDir,
    HEARTH_ENGINE_THREADS: String(threads),
    HEARTH_ENGINE_CONTEXT_SIZE: String(CONTEXT_SIZE),
    HEARTH_ENGINE_GPU: "off",
    HEARTH_CHAT_MAX_REPLY_TOKENS: String(replyTokens),
    // The bench sends a thousand messages as one user, far past a person's per-minute limits.
    HEARTH_LIMITS_MESSAGES_PER_MINUTE: "1000000",
    HEARTH_LIMITS_CONVERSATIONS_PER_MINUTE: "1000000",
  });
  progress(`chat: engine ${buildType}, ${threads} thread(s), ${CONTEXT_SIZE}-token context`);
  const pglite = await measureOnPglite(root, model, provider, env, settings, progress).finally(() => provider.close());
  const postgres = await measureOnPostgres(root, model, env, settings, progress);
  return {
    threads,
    contextSize: CONTEXT_SIZE,
    buildType,
    seedSeconds: { pglite: pglite.seedSeconds, ...("seconds" in postgres ? { postgres: postgres.seconds } : {}) },
    streaming: pglite.streaming,
    lastPage: { pglite: pglite.lastPage, postgres: postgres.figures },
    firstDelta: pglite.firstDelta,
    memory: pglite.memory,
  };
}

async function measureOnPglite(
  root: string,
  model: BenchModel,
  provider: EngineProcess,
  env: Env,
  settings: ChatSettings,
  progress: Progress,
) {
  // The account is made through the API; the history is written while no server holds the data dir.
  progress("chat: setting up an account on a fresh PGlite data dir");
  const first = await startServer(root, { env: env(REPLY_TOKENS) });
  const { dataDir } = first;
  const removeDataDir = () => rm(dataDir, { recursive: true, force: true });
  const forget = undoOnInterrupt(removeDataDir);
  try {
    const credentials = await setUpAccount(first.baseUrl).finally(() => first.stop({ keepDataDir: true }));
    const lock = await lockDataDir(dataDir);
    const db = await openDatabase({ kind: "pglite", dataDir });
    const seeded = await seedBoth(db, model.id, progress).finally(async () => {
      await db.close();
      await lock.release();
    });

    const server = await startServer(root, { dataDir, env: env(REPLY_TOKENS) });
    let streaming: StreamingFigures;
    let lastPage: LastPageFigures;
    let firstDelta: FirstDeltaFigures;
    try {
      const client = clientOf(server, credentials);
      streaming = await measureStreaming(client, provider, model.id, REPLY_TOKENS, settings.repetitions, progress);
      lastPage = await measureLastPage(client, "PGlite", seeded, settings.requests, progress);
      firstDelta = await measureFirstDelta(client, seeded, settings.sends, CONTEXT_SIZE, progress);
    } finally {
      await server.stop({ keepDataDir: true });
    }

    const restarted = await startServer(root, { dataDir, env: env(MEMORY_REPLY_TOKENS) });
    const memory = await measureMemory(
      clientOf(restarted, credentials),
      restarted.pid,
      settings.memorySends,
      MEMORY_REPLY_TOKENS,
      progress,
    ).finally(() => restarted.stop());
    return { seedSeconds: seeded.seconds, streaming, lastPage, firstDelta, memory };
  } finally {
    forget();
    await removeDataDir();
  }
}

async function measureOnPostgres(
  root: string,
  model: BenchModel,
  env: Env,
  settings: ChatSettings,
  progress: Progress,
): Promise<{ figures: LastPageFigures; seconds: number } | { figures: { skipped: string } }> {
  const postgres = await openBenchPostgres(settings.postgresUrl, progress);
  if ("skipped" in postgres) {
    progress(`postgres: skipped: ${postgres.skipped}`);
    return { figures: postgres };
  }
  try {
    progress(`postgres: ${postgres.name}, on ${postgres.where}`);
    const server = await startServer(root, { env: { ...env(REPLY_TOKENS), DATABASE_URL: postgres.url } });
    try {
      const credentials = await setUpAccount(server.baseUrl);
      const db = await openDatabase({ kind: "postgres", url: postgres.url, maxConnections: 1 });
      const seeded = await seedBoth(db, model.id, progress).finally(() => db.close());
      const client = clientOf(server, credentials);
      const figures = await measureLastPage(client, postgres.name, seeded, settings.requests, progress);
      return { figures, seconds: seeded.seconds };
    } finally {
      await server.stop();
    }
  } finally {
    await postgres.close();
  }
}

/** The long and the short conversation, owned by the bench user. */
async function seedBoth(
  db: Database,
  modelId: string,
  progress: Progress,
): Promise<{ long: SeededConversation; short: SeededConversation; seconds: number }> {
  progress(`seeding a ${LONG_CONVERSATION.toLocaleString("en")}- and a ${SHORT_CONVERSATION}-message conversation`);
  const started = performance.now();
  const owner = await findBenchUser(db);
  const long = await seedConversation(db, owner, modelId, LONG_CONVERSATION);
  const short = await seedConversation(db, owner, modelId, SHORT_CONVERSATION);
  // A PostgreSQL server's autovacuum would analyze the new rows within a minute, possibly mid-measurement;
  // PGlite has no autovacuum, so its tables stay as users' do: never analyzed.
  if (db.kind === "postgres") await db.exec("ANALYZE messages; ANALYZE conversations");
  const seconds = (performance.now() - started) / 1000;
  progress(`  seeded in ${seconds.toFixed(1)} s`);
  return { long, short, seconds };
}

function clientOf(server: ServerProcess, credentials: Credentials): ChatClient {
  return new ChatClient(server.baseUrl, authHeaders(credentials, "api-key"));
}
