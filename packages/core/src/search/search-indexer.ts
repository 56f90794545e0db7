/**
 * @module Search's background work on each node. Every few seconds a node asks whether messages wait
 * to be indexed (or chunks to be embedded) and, if so, queues the one sweep job (a singleton in the
 * durable queue, so one node at a time runs it); the sweep indexes and embeds in batches until
 * nothing waits. Existing history (the backfill) is the same work; a sweep killed halfway is claimed
 * again when its lease runs out and goes on where the committed batches stopped.
 */
import type { Database } from "@hearth/db";
import type { JobHandler, JobRuntime } from "../jobs/job-worker.ts";
import type { Logger } from "../logger.ts";
import type { ModelRegistry } from "../models/model-registry.ts";
import {
  type ChunkToEmbed,
  chunksToEmbed,
  type Embedder,
  followEmbeddingModel,
  hasIndexWork,
  indexPendingMessages,
  storeVectors,
} from "./search-index.ts";
import { prepareVectorStore } from "./vector-store.ts";

export const SEARCH_INDEX_QUEUE = "search-index";

/** Messages a transaction of the sweep indexes: ≈ 40 ms on the embedded database. */
const INDEX_BATCH = 50;
/** Chunks the embedding model is given at once. */
const EMBED_BATCH = 32;

/**
 * Lets requests in between two batches. The embedded database runs its queries on this thread, and a
 * sweep whose batches follow each other through promises alone would keep every request waiting
 * until the backfill ends (seen: 17 s for 20,000 messages). So the sweep waits as long as its batch
 * kept the database busy (half the time for requests at worst); a PostgreSQL server works in its
 * own processes, and the sweep only yields to the event loop.
 */
async function breathe(db: Database, started: number): Promise<void> {
  const pause = db.kind === "postgres" ? 0 : performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, pause));
}

/** What the sweep has done so far. */
export interface SweepProgress {
  indexed: number;
  embedded: number;
}

/**
 * The sweep: indexes every message that waits, then embeds every chunk that waits, in batches, until
 * nothing waits or `signal` stops it. The engine embeds the next batch while this one's vectors are
 * written and the sweep pauses for requests, so the database's share (a vector into a large HNSW
 * index costs milliseconds) and the pause are hidden behind the engine's work instead of added to it.
 */
export async function sweepSearchIndex(
  db: Database,
  options: {
    now: () => Date;
    embedder: Embedder | undefined;
    signal: AbortSignal;
    progress: (done: SweepProgress) => Promise<void>;
  },
): Promise<SweepProgress> {
  const { embedder, signal } = options;
  const done: SweepProgress = { indexed: 0, embedded: 0 };
  while (!signal.aborted) {
    const started = performance.now();
    const taken = await indexPendingMessages(db, options.now(), INDEX_BATCH);
    if (taken === 0) break;
    done.indexed += taken;
    await options.progress(done);
    await breathe(db, started);
  }
  if (embedder === undefined || signal.aborted) return done;
  let batch = await chunksToEmbed(db, EMBED_BATCH);
  let vectors = embedLater(embedder, batch, signal);
  while (batch.length > 0 && !signal.aborted) {
    const made = await vectors;
    const next = await chunksToEmbed(db, EMBED_BATCH, batch);
    vectors = embedLater(embedder, next, signal);
    const started = performance.now();
    await storeVectors(db, embedder.modelId, batch, made);
    done.embedded += batch.length;
    await options.progress(done);
    await breathe(db, started);
    batch = next;
  }
  return done;
}

/** Starts embedding `rows`; a failure is seen where the vectors are awaited (or not at all, once the sweep ended). */
function embedLater(embedder: Embedder, rows: readonly ChunkToEmbed[], signal: AbortSignal): Promise<number[][]> {
  if (rows.length === 0) return Promise.resolve([]);
  const vectors = embedder.embed(
    rows.map((row) => row.text),
    signal,
  );
  vectors.catch(() => {});
  return vectors;
}

export interface SearchSettings {
  /** The model that embeds messages and queries (`provider/model`); none: search by keyword only. */
  embeddingModel?: string | undefined;
  /** How often a node looks for work to queue. */
  checkIntervalMs: number;
}

export class SearchIndexer {
  #hasVectors = false;
  #timer: NodeJS.Timeout | undefined;
  #isChecking = false;

  constructor(
    private readonly deps: {
      models: ModelRegistry;
      jobs: JobRuntime;
      logger: Logger;
      now: () => Date;
      settings: SearchSettings;
    },
  ) {}

  /** Whether this database stores vectors (pgvector is there). */
  get hasVectors(): boolean {
    return this.#hasVectors;
  }

  /** Whether an admin set an embedding model (it is of no use without vectors). */
  get isEmbeddingModelSet(): boolean {
    return this.deps.settings.embeddingModel !== undefined;
  }

  /** The embedding model, where one is set and vectors can be stored. */
  get embedder(): Embedder | undefined {
    const modelId = this.deps.settings.embeddingModel;
    if (modelId === undefined || !this.#hasVectors) return undefined;
    const { models } = this.deps;
    return {
      modelId,
      embed: async (texts, signal) => (await models.embeddingModel(modelId)).doEmbed(texts, { abortSignal: signal }),
    };
  }

  /** Readies the vector table and follows a change of model; then starts looking for work. */
  async start(db: Database): Promise<void> {
    this.#hasVectors = await prepareVectorStore(db);
    if (!this.#hasVectors && this.deps.settings.embeddingModel !== undefined) {
      this.deps.logger.warn(
        { model: this.deps.settings.embeddingModel },
        "search.embeddingModel is set but the database has no pgvector: search answers by keyword only",
      );
    }
    await followEmbeddingModel(db, this.embedder?.modelId, this.#hasVectors);
    this.#timer = setInterval(() => void this.check(db), this.deps.settings.checkIntervalMs);
    this.#timer.unref();
    void this.check(db);
  }

  /** Queues the sweep if work waits (a no-op while one is queued or running anywhere). */
  async check(db: Database): Promise<void> {
    if (this.#isChecking) return;
    this.#isChecking = true;
    try {
      if (await hasIndexWork(db, this.embedder !== undefined)) {
        await this.deps.jobs.enqueue({ queue: SEARCH_INDEX_QUEUE, singletonKey: "sweep", maxAttempts: 10 });
      }
    } catch (error) {
      this.deps.logger.warn({ err: error }, "looking for messages to index failed");
    } finally {
      this.#isChecking = false;
    }
  }

  /** The sweep, for the job worker. */
  handler(db: () => Database | undefined): JobHandler {
    return {
      run: async (_payload, { signal, progress }) => {
        const current = db();
        if (current === undefined) throw new Error("the database is not ready");
        await sweepSearchIndex(current, {
          now: () => this.deps.now(),
          embedder: this.embedder,
          signal,
          progress: (done) => progress({ ...done }),
        });
      },
    };
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
