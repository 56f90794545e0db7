/**
 * `npm run bench:search [-- --messages N --queries N --postgres-url URL --keyword-only --no-embedding
 * --keep DIR]`: search over a user's history.
 *
 * 1. On PGlite and on a PostgreSQL server: N messages (default 50,000; the issue's target is
 *    1,000,000, whose HNSW graph, ≈1.9 GB, does not fit in PGlite's 2 GB WebAssembly heap beside the
 *    rest, so its build would go on on disk for hours here: --keyword-only leaves the vectors out;
 *    400,000 fit) indexed by the sweep's own function (with the server's maintenance pass every minute
 *    on PGlite), each with a 384-dimension vector (the mean of its words' random unit vectors, as the
 *    test embedding model makes them) under the HNSW index; then the p50 and p95 of keyword, semantic
 *    and hybrid searches for one- to three-word queries, against a baseline in the same run: reading a
 *    page of 50 messages of one conversation by its index (what opening a conversation costs). On
 *    PGlite twice: as written, and after the maintenance pass the server runs every minute (PGlite has
 *    no autovacuum), which is timed too; on PostgreSQL after VACUUM (ANALYZE), which its autovacuum
 *    would have run within a minute. Then the cost of adding a vector to that index, as the sweep
 *    does; on PGlite the database is then opened again, as a server restart would, which sizes
 *    its shared buffers to the index, and the searches and the inserts are timed once more.
 * 2. Indexing with embeddings, the server's own sweep (`sweepSearchIndex`, with its pauses for
 *    requests), against the engine's own embedding throughput just before, on passages of the same
 *    kind, through the engine process as the server runs it, with a 384 × 6 F16 model (the shape of
 *    all-MiniLM-L6-v2): into PGlite's database of N vectors from 1., and into an empty one.
 */
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type Database, maintainPglite, migrate, openDatabase, type TableMaintenance } from "@hearth/db";
import { writeTestModel } from "@hearth/engine/testing";
import { migrations } from "../packages/core/src/migrations.ts";
import {
  chunksToEmbed,
  type Embedder,
  indexPendingMessages,
  storeVectors,
  toVectorLiteral,
} from "../packages/core/src/search/search-index.ts";
import { sweepSearchIndex } from "../packages/core/src/search/search-indexer.ts";
import { searchMessages } from "../packages/core/src/search/search-messages.ts";
import { ensureVectorIndex, prepareVectorStore } from "../packages/core/src/search/vector-store.ts";
import { openEngine } from "./open-engine.ts";
import { openBenchPostgres } from "./postgres-server.ts";
import { formatRows, median, percentile, type Row } from "./report.ts";

const DIMS = 384;
const VOCABULARY = 5000;
const WORDS_PER_MESSAGE = 24;
const CONVERSATIONS = 200;
const EMBEDDED_MESSAGES = 300;
/** New messages whose vectors go into the existing index, after the searches. */
const ADDED_VECTORS = 640;

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "50000" },
    queries: { type: "string", default: "200" },
    "postgres-url": { type: "string" },
    // Keyword search only, with no vectors: what a 1,000,000-message history can be built for here.
    "keyword-only": { type: "boolean", default: false },
    // Skip the engine's embedding comparison.
    "no-embedding": { type: "boolean", default: false },
    // Write PGlite's database into this folder (made if missing) and keep it, to look into its plans after.
    keep: { type: "string" },
  },
});
const messages = Number(values.messages);
const queries = Number(values.queries);
const progress = (message: string) => process.stderr.write(`${message}\n`);

/** A deterministic generator, so every run searches the same history. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}
const next = random(42);
const words = Array.from({ length: VOCABULARY }, (_, index) => `w${index.toString(36)}x`);
const wordVectors = new Map(words.map((word) => [word, normalize(Array.from({ length: DIMS }, () => next() * 2 - 1))]));
/** Zipf-like: a few words are common, most are rare, as in real text. */
const pickWord = () => Math.floor(VOCABULARY * next() ** 3);

function normalize(vector: number[]): number[] {
  const length = Math.hypot(...vector) || 1;
  return vector.map((value) => value / length);
}
function vectorOf(text: string): number[] {
  const sum = new Array<number>(DIMS).fill(0);
  for (const word of text.split(" ")) {
    const vector = wordVectors.get(word);
    if (vector)
      for (let index = 0; index < DIMS; index++) sum[index] = (sum[index] as number) + (vector[index] as number);
  }
  return normalize(sum);
}

interface Timings {
  /** How the database was left: as written, or after the server's maintenance pass. */
  state: string;
  baseline: { p50: number; p95: number };
  modes: { mode: string; p50: number; p95: number }[];
}

/** Adding vectors to the existing index, as the sweep does. */
interface Inserts {
  state: string;
  /** Milliseconds a vector. */
  ms: number;
}

interface Figures {
  database: string;
  indexedPerSecond: number;
  passes: Timings[];
  inserts: Inserts[];
  /** PGlite: the maintenance pass the server runs every minute (it has no autovacuum). */
  maintenance?: { ms: number; tables: TableMaintenance[] };
  skipped?: string;
}

/**
 * Measures on the database `open` gives (closing it at the end). With `canRestart` (PGlite) it is
 * closed midway and opened again, as a server restart would, which sizes its buffers to the index.
 */
async function measure(name: string, open: () => Promise<Database>, canRestart: boolean): Promise<Figures> {
  let db = await open();
  try {
    return await measureOn();
  } finally {
    await db.close();
  }

  async function measureOn(): Promise<Figures> {
    await migrate(db, migrations);
    const hasVectors = (await prepareVectorStore(db)) && !values["keyword-only"];
    const phase = (() => {
      let started = performance.now();
      return (message: string) => {
        progress(`${name}: ${message} (previous step ${((performance.now() - started) / 1000).toFixed(0)} s)`);
        started = performance.now();
      };
    })();
    const now = new Date();
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO users (username, email, password_hash, role, created_at, updated_at)
     VALUES ('bench', 'bench@example.com', 'x', 'user', $1, $1) RETURNING id`,
      [now],
    );
    const userId = (rows[0] as { id: string }).id;
    const { rows: conversations } = await db.query<{ id: string }>(
      `INSERT INTO conversations (owner_id, title, created_at, updated_at)
     SELECT $1, 'Conversation ' || g, $2, $2 FROM generate_series(1, $3::int) AS g RETURNING id`,
      [userId, now, CONVERSATIONS],
    );
    phase(`writing ${messages} messages`);
    for (let start = 0; start < messages; start += 1000) {
      const texts = Array.from({ length: Math.min(1000, messages - start) }, () =>
        Array.from({ length: WORDS_PER_MESSAGE }, () => words[pickWord()]).join(" "),
      );
      await db.query(
        `INSERT INTO messages (conversation_id, role, content, status, created_at, updated_at)
       SELECT (($2::uuid[])[1 + (n % $3)]), 'user', t, 'done', $4::timestamptz + n * interval '1 second', $4
       FROM unnest($1::text[]) WITH ORDINALITY AS m (t, n)`,
        [texts, conversations.map((row) => row.id), CONVERSATIONS, new Date(now.getTime() + start * 1000)],
      );
    }
    phase("indexing");
    const indexStarted = performance.now();
    // As in the server: on PGlite its maintenance pass every minute (without it, the sweep's own dead
    // rows slow each batch down as the history grows).
    let maintainedAt = performance.now();
    let indexed = 0;
    for (;;) {
      const batch = await indexPendingMessages(db, now, 500);
      if (batch === 0) break;
      indexed += batch;
      if (performance.now() - maintainedAt > 60_000) {
        await maintainPglite(db);
        maintainedAt = performance.now();
        progress(`${name}: ${indexed} indexed`);
      }
    }
    const indexedPerSecond = messages / ((performance.now() - indexStarted) / 1000);
    if (hasVectors) {
      phase(`${messages} vectors`);
      await db.query("UPDATE search_chunks SET embedded_with = 'bench'");
      let after = "00000000-0000-0000-0000-000000000000";
      for (;;) {
        const { rows: chunks } = await db.query<{ message_id: string; text: string }>(
          "SELECT message_id, text FROM search_chunks WHERE message_id > $1 ORDER BY message_id LIMIT 1000",
          [after],
        );
        if (chunks.length === 0) break;
        after = (chunks[chunks.length - 1] as { message_id: string }).message_id;
        await db.query(
          `INSERT INTO search_vectors (message_id, chunk, user_id, model, dims, embedding)
         SELECT id, 0, $2, 'bench', ${DIMS}, v::vector FROM unnest($1::uuid[], $3::text[]) AS c (id, v)`,
          [
            chunks.map((chunk) => chunk.message_id),
            userId,
            chunks.map((chunk) => toVectorLiteral(vectorOf(chunk.text))),
          ],
        );
      }
      phase("their HNSW index");
      // Built at once over every vector (the server instead makes the index empty, at its first vector,
      // and adds each after): with the default 64 MB the graph of 50,000 vectors outgrew the memory and
      // the build went on on disk, 274 s instead of 52.
      await db.exec("SET maintenance_work_mem = '1GB'");
      await ensureVectorIndex(db, DIMS);
      await db.exec("RESET maintenance_work_mem");
    }

    const queryTexts = Array.from({ length: queries }, (_, index) =>
      Array.from({ length: 1 + (index % 3) }, () => words[Math.floor(VOCABULARY * next() ** 2)]).join(" "),
    );
    const time = async (run: (text: string) => Promise<unknown>) => {
      const samples: number[] = [];
      for (const text of queryTexts) {
        const started = performance.now();
        await run(text);
        samples.push(performance.now() - started);
      }
      return { p50: median(samples), p95: percentile(samples, 95) };
    };
    const conversationIds = conversations.map((row) => row.id);
    const search = (text: string, keyword: boolean, withVector: boolean) =>
      searchMessages(db, {
        userId,
        query: text,
        textConfig: "english",
        filters: {},
        limit: 20,
        keyword,
        vector: withVector ? { modelId: "bench", values: vectorOf(text) } : undefined,
      });
    const timeAll = async (state: string): Promise<Timings> => {
      phase(`${queries} queries a mode, ${state}`);
      let page = 0;
      const baseline = await time(() =>
        db.query("SELECT id, content FROM messages WHERE conversation_id = $1 ORDER BY seq DESC LIMIT 50", [
          conversationIds[page++ % CONVERSATIONS],
        ]),
      );
      const modes = [{ mode: "keyword", ...(await time((text) => search(text, true, false))) }];
      if (hasVectors) {
        modes.push({ mode: "semantic", ...(await time((text) => search(text, false, true))) });
        modes.push({ mode: "hybrid", ...(await time((text) => search(text, true, true))) });
      }
      return { state, baseline, modes };
    };
    const passes: Timings[] = [];
    const inserts: Inserts[] = [];
    let maintenance: Figures["maintenance"];
    const timeInserts = async (state: string) => {
      if (!hasVectors) return;
      phase(`adding ${ADDED_VECTORS} vectors to the index, ${state}`);
      const buffers = await sharedBuffers(db);
      inserts.push({ state: `${state}, shared_buffers ${buffers}`, ms: await addVectors(db, conversationIds) });
    };
    if (db.kind === "pglite") {
      passes.push(await timeAll("as written"));
      const started = performance.now();
      const tables = await maintainPglite(db);
      maintenance = { ms: performance.now() - started, tables };
      passes.push(await timeAll("after maintenance"));
      await timeInserts("after maintenance");
      if (canRestart) {
        phase("restarting the database");
        await db.close();
        db = await open();
        const buffers = await sharedBuffers(db);
        passes.push(await timeAll(`after a restart, shared_buffers ${buffers}`));
        await timeInserts("after a restart");
      }
    } else {
      // What the server's autovacuum does within a minute of the writes, done now.
      phase("VACUUM (ANALYZE), as autovacuum would");
      await db.query("VACUUM (ANALYZE)");
      passes.push(await timeAll("vacuumed"));
      await timeInserts("vacuumed");
    }
    phase("done");
    return {
      database: name,
      indexedPerSecond,
      passes,
      inserts,
      ...(maintenance === undefined ? {} : { maintenance }),
      ...(hasVectors
        ? {}
        : {
            skipped: values["keyword-only"]
              ? "semantic and hybrid: --keyword-only"
              : "semantic and hybrid: this server has no pgvector",
          }),
    };
  }
}

/** The server's shared_buffers setting. */
async function sharedBuffers(db: Database): Promise<string> {
  const { rows } = await db.query<{ size: string }>("SELECT current_setting('shared_buffers') AS size");
  return rows[0]?.size ?? "?";
}

/**
 * Writes ADDED_VECTORS new messages and takes them through the sweep's own functions, the vectors
 * made by the bench's embedder (no engine: only the database's share is timed); the milliseconds
 * the vectors took each, batches of 32 into the existing HNSW index as the sweep writes them.
 */
async function addVectors(db: Database, conversationIds: readonly string[]): Promise<number> {
  const now = new Date();
  const texts = Array.from({ length: ADDED_VECTORS }, () =>
    Array.from({ length: WORDS_PER_MESSAGE }, () => words[pickWord()]).join(" "),
  );
  await db.query(
    `INSERT INTO messages (conversation_id, role, content, status, created_at, updated_at)
     SELECT $2, 'user', t, 'done', $3, $3 FROM unnest($1::text[]) AS t`,
    [texts, conversationIds[0], now],
  );
  while ((await indexPendingMessages(db, now, 500)) > 0) {}
  let added = 0;
  const started = performance.now();
  for (;;) {
    const batch = await chunksToEmbed(db, 32);
    if (batch.length === 0) break;
    await storeVectors(
      db,
      "bench",
      batch,
      batch.map((chunk) => vectorOf(chunk.text)),
    );
    added += batch.length;
  }
  if (added !== ADDED_VECTORS) throw new Error(`${added} vectors added for ${ADDED_VECTORS} messages`);
  return (performance.now() - started) / added;
}

/** A 384-wide, 6-layer F16 model: the shape of all-MiniLM-L6-v2, the embedding model most used for search. */
const EMBEDDING_MODEL = { layers: 6, width: DIMS, type: "f16", contextLength: 512 } as const;

/** The engine with the embedding model loaded, as the sweep's embedder. */
async function openEmbedder(): Promise<{ embedder: Embedder; close: () => Promise<void> }> {
  const modelsDir = await mkdtemp(join(tmpdir(), "hearth-bench-search-model-"));
  const engine = await openEngine(
    { modelsDir, threads: undefined, contextSize: 512, requireLocalBuild: false },
    progress,
  );
  const model = await writeTestModel(join(modelsDir, "embedding-384x6-f16.gguf"), EMBEDDING_MODEL);
  const embedding = await engine.embeddingModel("embedding-384x6-f16");
  const embedder: Embedder = {
    modelId: "embedding-384x6-f16",
    embed: (batch, signal) => embedding.doEmbed(batch, { abortSignal: signal }),
  };
  await embedder.embed(["warm up"], new AbortController().signal); // loads the model
  if ((await embedder.embed(["width"], new AbortController().signal))[0]?.length !== DIMS) {
    throw new Error(`the embedding model (${model.bytes} bytes) does not answer ${DIMS} dimensions`);
  }
  return {
    embedder,
    close: async () => {
      await engine.close();
      await rm(modelsDir, { recursive: true, force: true });
    },
  };
}

/** The sweep with embeddings against the engine embedding alone, each on its own passages of the same kind. */
interface Sweep {
  into: string;
  engine: number;
  sweep: number;
}

/**
 * The engine's passages a second on EMBEDDED_MESSAGES passages, batches of 32; then the server's sweep
 * (its own function, with its pauses for requests) on as many new messages of a new user in `db`.
 */
async function measureSweep(embedder: Embedder, db: Database, into: string): Promise<Sweep> {
  const passages = () =>
    Array.from({ length: EMBEDDED_MESSAGES }, () =>
      Array.from({ length: WORDS_PER_MESSAGE }, () => words[pickWord()]).join(" "),
    );
  const signal = new AbortController().signal;
  progress(`embedding: ${EMBEDDED_MESSAGES} passages by the engine alone`);
  const alone = passages();
  let started = performance.now();
  for (let index = 0; index < alone.length; index += 32) await embedder.embed(alone.slice(index, index + 32), signal);
  const engine = alone.length / ((performance.now() - started) / 1000);

  await migrate(db, migrations);
  await prepareVectorStore(db);
  const now = new Date();
  const name = `sweep-${randomUUID()}`;
  const { rows } = await db.query<{ id: string }>(
    `WITH u AS (INSERT INTO users (username, email, password_hash, role, created_at, updated_at)
                VALUES ($2, $2 || '@example.com', 'x', 'user', $1, $1) RETURNING id)
     INSERT INTO conversations (owner_id, title, created_at, updated_at) SELECT id, 'Bench', $1, $1 FROM u RETURNING id`,
    [now, name],
  );
  await db.query(
    `INSERT INTO messages (conversation_id, role, content, status, created_at, updated_at)
     SELECT $1, 'user', t, 'done', $2, $2 FROM unnest($3::text[]) AS t`,
    [(rows[0] as { id: string }).id, now, passages()],
  );
  progress(`embedding: ${EMBEDDED_MESSAGES} new messages through the sweep, into ${into}`);
  started = performance.now();
  const done = await sweepSearchIndex(db, { now: () => now, embedder, signal, progress: async () => {} });
  if (done.embedded !== EMBEDDED_MESSAGES) throw new Error(`the sweep embedded ${done.embedded} chunks`);
  return { into, engine, sweep: EMBEDDED_MESSAGES / ((performance.now() - started) / 1000) };
}

const figures: Figures[] = [];
const sweeps: Sweep[] = [];
const embedding = values["no-embedding"] ? undefined : await openEmbedder();
const sweepInto = async (open: () => Promise<Database>, into: string) => {
  if (embedding === undefined) return;
  const db = await open();
  try {
    sweeps.push(await measureSweep(embedding.embedder, db, into));
  } finally {
    await db.close();
  }
};
if (values.keep !== undefined) await mkdir(values.keep, { recursive: true });
const dataDir = values.keep ?? (await mkdtemp(join(tmpdir(), "hearth-bench-search-")));
try {
  figures.push(await measure("PGlite", () => openDatabase({ kind: "pglite", dataDir }), true));
  if (!values["keyword-only"]) {
    await sweepInto(() => openDatabase({ kind: "pglite", dataDir }), `PGlite, an index of ${messages} vectors`);
  }
  const emptyDir = await mkdtemp(join(tmpdir(), "hearth-bench-search-empty-"));
  try {
    await sweepInto(() => openDatabase({ kind: "pglite", dataDir: emptyDir }), "PGlite, an empty database");
  } finally {
    await rm(emptyDir, { recursive: true, force: true });
  }
} finally {
  if (values.keep === undefined) await rm(dataDir, { recursive: true, force: true });
}
const postgres = await openBenchPostgres(values["postgres-url"] ?? process.env.DATABASE_URL, progress);
if ("skipped" in postgres) progress(`PostgreSQL skipped: ${postgres.skipped}`);
else {
  try {
    figures.push(await measure(postgres.name, () => openDatabase({ kind: "postgres", url: postgres.url }), false));
  } finally {
    await postgres.close();
  }
}
await embedding?.close();

const ms = (value: number) => `${value.toFixed(2)} ms`;
const rows: Row[] = [];
for (const each of figures) {
  rows.push([
    `${each.database}: indexing`,
    `${Math.round(each.indexedPerSecond)} messages/s`,
    "keyword index, batches of 500",
  ]);
  if (each.maintenance) {
    const { tables } = each.maintenance;
    const slowest = tables.reduce((most, table) => Math.max(most, table.ms), 0);
    rows.push([
      `${each.database}: maintenance pass`,
      ms(each.maintenance.ms),
      `${tables.length} tables vacuumed or analyzed; the longest one statement: ${ms(slowest)}`,
    ]);
  }
  for (const pass of each.passes) {
    const where = `${each.database} (${pass.state})`;
    rows.push([
      `${where}: a page of 50 messages (baseline)`,
      `${ms(pass.baseline.p50)} / ${ms(pass.baseline.p95)}`,
      "p50 / p95",
    ]);
    for (const mode of pass.modes) {
      rows.push([
        `${where}: ${mode.mode} search`,
        `${ms(mode.p50)} / ${ms(mode.p95)}`,
        `p50 / p95 over ${messages} messages; p50 ${(mode.p50 / pass.baseline.p50).toFixed(1)} × the baseline`,
      ]);
    }
  }
  for (const insert of each.inserts) {
    rows.push([
      `${each.database}: a vector into the index (${insert.state})`,
      ms(insert.ms),
      `${ADDED_VECTORS} vectors into an HNSW index of ${messages}, batches of 32 as the sweep writes them`,
    ]);
  }
  if (each.skipped) rows.push([`${each.database}: skipped`, "—", each.skipped]);
}
for (const each of sweeps) {
  rows.push([
    `engine embedding, before the sweep into ${each.into}`,
    `${each.engine.toFixed(1)} passages/s`,
    `${EMBEDDING_MODEL.width}×${EMBEDDING_MODEL.layers} F16 model, batches of 32 (${ms(1000 / each.engine)} a passage)`,
  ]);
  rows.push([
    `sweep with embeddings, into ${each.into}`,
    `${each.sweep.toFixed(1)} messages/s`,
    `${(each.sweep / each.engine).toFixed(2)} of the engine's rate (goal ≥ 0.8)`,
  ]);
}
process.stdout.write(`${formatRows(rows)}\n`);
