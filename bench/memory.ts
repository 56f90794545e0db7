/**
 * `npm run bench:memory [-- --questions N --messages N]`: what memory costs a reply, as the time from
 * POST …/messages to its first `message.delta`, with memory on against off (the goal: ≤ 1.2).
 *
 * One user with a history of N messages (default 2,000) in 100 conversations, written into the database
 * and indexed by the server's own sweep, and 40 saved memories. The same questions are asked with
 * memory off and on, interleaved on the same server (off, on, on, off, …), then in two runs (all off, then
 * all on: replies in a row, as a user makes them, find what the reply before left in the engine), each in a new conversation
 * deleted after its reply so the history stays as seeded. Two configurations, one server each on the
 * same data dir: keyword recall only, then with a bag-of-words embedding model as search.embeddingModel
 * (recall then also embeds the question). The model is the bench model's shape (512 × 8, F16) with a
 * 4,096-token context, so memory gets its full 1,000-token budget.
 *
 * Then, with the server stopped, what the extra time is made of, in this process on the same database
 * and models: recall itself (its reads, the search, counting each line's tokens), embedding the question,
 * and the engine reading the prompt with the memory text against without it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type Database, lockDataDir, openDatabase } from "@hearth/db";
import { writeTestModel } from "@hearth/engine/testing";
import { systemClock } from "../packages/core/src/clock.ts";
import { type MemoryDeps, recallForReply } from "../packages/core/src/memory/recall.ts";
import { rememberTool } from "../packages/core/src/memory/remember-tool.ts";
import { undoOnInterrupt } from "./cleanup.ts";
import { EventStreamReader, type ReceivedEvent } from "./event-stream.ts";
import { openEngine } from "./open-engine.ts";
import { formatRows, median, percentile } from "./report.ts";
import { findBenchUser } from "./seed-conversation.ts";
import { buildServer, type ServerProcess, startServer } from "./server-process.ts";
import { authHeaders, setUpAccount } from "./setup-account.ts";

const CONTEXT_SIZE = 4096;
/** The bench model's shape (bench-model.ts) with a longer context and the history's words as tokens. */
const CHAT_MODEL = { id: "bench-memory-512x8-f16", layers: 8, width: 512, type: "f16" } as const;
/**
 * A bag-of-words embedding model as wide as MiniLM (384) but of 2 layers, not 6: the sweep embeds the
 * whole history before the second configuration, and with 6 layers and a 4,096-token context that alone
 * took 2 minutes here.
 */
const EMBEDDING_MODEL = { id: "bench-memory-bag-384x2", layers: 2, width: 384 } as const;
const CONVERSATIONS = 100;
const MEMORIES = 40;
const VOCABULARY = 1500;
const USER_WORDS = 12;
const ASSISTANT_WORDS = 48;
const QUESTION_WORDS = 10;
const MEMORY_WORDS = 10;
/** Short replies: only the first delta is timed. */
const REPLY_TOKENS = 4;
const REPLY_TIMEOUT_MS = 120_000;
const MAINTENANCE_SECONDS = 3;

/** The server's recall settings (config memory.*), their defaults, for the profile in this process. */
const RECALL = { maxTokens: 1000, maxPassages: 5, minSimilarity: 0.3, embedTimeoutMs: 2000 };

const { values } = parseArgs({
  options: {
    questions: { type: "string", default: "12" },
    messages: { type: "string", default: "2000" },
  },
});
const questionCount = Number(values.questions);
const messageCount = Number(values.messages);
for (const [name, value] of [
  ["questions", questionCount],
  ["messages", messageCount],
] as const) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be an integer ≥ 1.`);
}
const progress = (message: string) => process.stderr.write(`${message}\n`);
const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** A deterministic generator, so every run asks the same questions of the same history. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}
const next = random(7);
/** Two-syllable made-up words: none is an English stop word, and each is one token of both models. */
const words = (() => {
  const syllables = [..."bdfgklmnprstvz"].flatMap((consonant) => [..."aeiou"].map((vowel) => consonant + vowel));
  const all = syllables.flatMap((first) => syllables.map((second) => first + second));
  const chosen = new Set<string>();
  while (chosen.size < VOCABULARY) chosen.add(all[Math.floor(next() * all.length)] as string);
  return [...chosen];
})();
/** Zipf-like (a few words common, most rare, as in real text); a higher power draws commoner words. */
const sentence = (count: number, power = 3) =>
  Array.from({ length: count }, () => words[Math.floor(VOCABULARY * next() ** power)]).join(" ");

interface Send {
  ms: number;
  promptTokens: number;
  memories: number;
  passages: number;
}

interface Configuration {
  name: string;
  off: Send[];
  on: Send[];
  /** The same questions in two runs, all off then all on: each reply follows one of the same setting. */
  runs: { off: Send[]; on: Send[] };
}

/** The API as this bench uses it, by API key. */
class Client {
  constructor(
    readonly server: ServerProcess,
    readonly headers: Record<string, string>,
  ) {}

  async request(method: string, path: string, body: unknown, expected: number): Promise<unknown> {
    const response = await fetch(`${this.server.baseUrl}${path}`, {
      method,
      headers: { ...this.headers, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (response.status !== expected) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return text === "" ? null : (JSON.parse(text) as unknown);
  }

  setMemory(enabled: boolean): Promise<unknown> {
    return this.request("PATCH", "/api/memory/settings", { enabled }, 200);
  }

  /** Waits until the sweep has indexed (and, with an embedding model, embedded) every message. */
  async indexed(what: string): Promise<number> {
    const started = performance.now();
    for (;;) {
      const body = (await this.request("GET", "/api/search?q=anything&mode=keyword", undefined, 200)) as {
        indexing: { messagesToIndex: number; chunksToEmbed: number };
      };
      const { messagesToIndex, chunksToEmbed } = body.indexing;
      if (messagesToIndex === 0 && chunksToEmbed === 0) return (performance.now() - started) / 1000;
      if (performance.now() - started > 600_000) throw new Error(`${what}: the history was never indexed.`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Asks `question` in a new conversation, times its first delta, and deletes the conversation. */
  async ask(question: string, title: string): Promise<Send> {
    const { id } = (await this.request(
      "POST",
      "/api/conversations",
      { title, model: `local/${CHAT_MODEL.id}` },
      201,
    )) as { id: string };
    const stream = await EventStreamReader.open(this.server.baseUrl, id, this.headers);
    try {
      const postedAt = performance.now();
      const sent = (await this.request("POST", `/api/conversations/${id}/messages`, { content: question }, 202)) as {
        assistantMessage: { id: string };
      };
      const replyId = sent.assistantMessage.id;
      const isReply = (event: ReceivedEvent) => event.data.messageId === replyId;
      const end = await stream.waitFor(
        (event) => isReply(event) && (event.type === "message.done" || event.type === "message.error"),
        REPLY_TIMEOUT_MS,
      );
      const usage = end.data.usage as { promptTokens: number } | null;
      if (end.data.status !== "done" || usage === null) {
        throw new Error(`The reply ended ${String(end.data.status)}: ${JSON.stringify(end.data)}`);
      }
      const firstDelta = await stream.waitFor((event) => isReply(event) && event.type === "message.delta", 0);
      const used = (end.data.memoryUsed ?? []) as { type: string }[];
      return {
        ms: firstDelta.receivedAt - postedAt,
        promptTokens: usage.promptTokens,
        memories: used.filter((use) => use.type === "memory").length,
        passages: used.filter((use) => use.type === "message").length,
      };
    } finally {
      stream.close();
      await this.request("DELETE", `/api/conversations/${id}`, undefined, 204);
    }
  }
}

/** The history: conversations of alternating questions and longer answers, a linear chain each. */
async function seedHistory(db: Database, ownerId: string): Promise<void> {
  const perConversation = Math.ceil(messageCount / CONVERSATIONS);
  const startedAt = Date.now() - messageCount * 60_000;
  let written = 0;
  await db.transaction(async (tx) => {
    for (let conversation = 0; conversation < CONVERSATIONS && written < messageCount; conversation++) {
      const at = (index: number) => new Date(startedAt + (written + index) * 60_000);
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO conversations (owner_id, title, title_source, model, created_at, updated_at)
         VALUES ($1, $2, 'user', $3, $4, $4) RETURNING id`,
        [ownerId, sentence(3), `local/${CHAT_MODEL.id}`, at(0)],
      );
      const conversationId = (rows[0] as { id: string }).id;
      const count = Math.min(perConversation, messageCount - written);
      const ids = Array.from({ length: count }, () => crypto.randomUUID());
      await tx.query(
        `INSERT INTO messages (id, conversation_id, parent_id, role, content, status, model, created_at, updated_at)
         SELECT id, $1::uuid, parent_id, role, content, 'done', CASE WHEN role = 'assistant' THEN $2::text END, at, at
         FROM unnest($3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::timestamptz[])
           AS seeded (id, parent_id, role, content, at)`,
        [
          conversationId,
          `local/${CHAT_MODEL.id}`,
          ids,
          ids.map((_, index) => (index === 0 ? null : ids[index - 1])),
          ids.map((_, index) => (index % 2 === 0 ? "user" : "assistant")),
          ids.map((_, index) => sentence(index % 2 === 0 ? USER_WORDS : ASSISTANT_WORDS)),
          ids.map((_, index) => at(index).toISOString()),
        ],
      );
      await tx.query("UPDATE conversations SET active_message_id = $2 WHERE id = $1", [conversationId, ids.at(-1)]);
      written += count;
    }
  });
}

/** Each question with memory off and on, interleaved, after one unmeasured of each (loads the models). */
async function measure(client: Client, name: string, questions: string[]): Promise<Configuration> {
  progress(`${name}: warming up`);
  for (const enabled of [false, true]) {
    await client.setMemory(enabled);
    await client.ask(sentence(QUESTION_WORDS, 2), "warm-up");
  }
  const result: Configuration = { name, off: [], on: [], runs: { off: [], on: [] } };
  for (const [index, question] of questions.entries()) {
    // Off first, then on first: whatever the order favours cancels out.
    const order = index % 2 === 0 ? [false, true] : [true, false];
    for (const enabled of order) {
      await client.setMemory(enabled);
      const send = await client.ask(question, `question ${index + 1}`);
      (enabled ? result.on : result.off).push(send);
    }
    const [off, on] = [result.off.at(-1) as Send, result.on.at(-1) as Send];
    progress(
      `  ${index + 1}/${questions.length}: off ${off.ms.toFixed(0)} ms (${off.promptTokens} prompt tokens), ` +
        `on ${on.ms.toFixed(0)} ms (${on.promptTokens}; ${on.memories} memories, ${on.passages} passages)`,
    );
  }
  // As a user sees it: replies in a row with memory on find the saved memories held by the engine
  // from the reply before (each reply keeps its sequence), where interleaving replaced them every time.
  for (const enabled of [false, true]) {
    await client.setMemory(enabled);
    for (const [index, question] of questions.entries()) {
      (enabled ? result.runs.on : result.runs.off).push(await client.ask(question, `run ${index + 1}`));
    }
  }
  progress(
    `  in runs: off ${median(result.runs.off.map((send) => send.ms)).toFixed(0)} ms, ` +
      `on ${median(result.runs.on.map((send) => send.ms)).toFixed(0)} ms (p50)`,
  );
  return result;
}

interface Profile {
  name: string;
  /** recallForReply alone: the reads, the search (with the question's vector), counting each line. */
  recallMs: number[];
  embedMs: number[];
  memoryTextTokens: number[];
  /** What offering the remember tool adds to the prompt (its documentation, as the chat template writes it). */
  toolTokens: number;
  /** The engine alone, to the first text delta: the question with the memory text as a system message, and without. */
  engineOnMs: number[];
  engineOffMs: number[];
}

/** With no server running: recall and the engine, timed in this process on the same data and models. */
async function profile(dataDir: string, modelsDir: string, questions: string[]): Promise<Profile[]> {
  const lock = await lockDataDir(dataDir);
  const db = await openDatabase({ kind: "pglite", dataDir });
  const engine = await openEngine(
    { modelsDir, threads: undefined, contextSize: CONTEXT_SIZE, requireLocalBuild: false },
    progress,
  );
  try {
    const ownerId = await findBenchUser(db);
    await db.query("UPDATE users SET memory_enabled = true WHERE id = $1", [ownerId]);
    const model = await engine.languageModel(CHAT_MODEL.id);
    const window = await model.contextWindow();
    const embedding = await engine.embeddingModel(EMBEDDING_MODEL.id);
    await embedding.doEmbed(["warm up"]);
    const now = new Date();
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO conversations (owner_id, title, title_source, model, created_at, updated_at)
       VALUES ($1, 'profile', 'user', $2, $3, $3) RETURNING id`,
      [ownerId, `local/${CHAT_MODEL.id}`, now],
    );
    const conversationId = (rows[0] as { id: string }).id;
    const asked: { id: string; question: string }[] = [];
    for (const question of questions) {
      const { rows: inserted } = await db.query<{ id: string }>(
        `INSERT INTO messages (conversation_id, role, content, status, created_at, updated_at)
         VALUES ($1, 'user', $2, 'done', $3, $3) RETURNING id`,
        [conversationId, question, now],
      );
      asked.push({ id: (inserted[0] as { id: string }).id, question });
    }
    const firstDeltaMs = async (prompt: Parameters<typeof model.doStream>[0]["prompt"]) => {
      const started = performance.now();
      for await (const part of model.doStream({ prompt, maxOutputTokens: 1 })) {
        if (part.type === "text-delta") return performance.now() - started;
      }
      throw new Error("The engine's reply had no text.");
    };
    const toolTokens = async () => {
      const { tool } = rememberTool(db, systemClock, {
        userId: ownerId,
        conversationId,
        messageId: "",
        autoSave: false,
      });
      const prompt = [{ role: "user" as const, content: [{ type: "text" as const, text: "hello" }] }];
      const definition = { name: tool.name, description: tool.description, inputSchema: tool.inputSchema };
      const offered = await window.countPromptTokens(prompt, undefined, { tools: [definition], toolChoice: "auto" });
      return offered - (await window.countPromptTokens(prompt));
    };
    const profiles: Profile[] = [];
    for (const withVectors of [false, true]) {
      const name = withVectors ? "keyword + embeddings" : "keyword";
      progress(`profile (${name}): recall and the engine for ${questions.length} questions`);
      const deps: MemoryDeps = {
        settings: RECALL,
        embedder: () =>
          withVectors
            ? {
                modelId: `local/${EMBEDDING_MODEL.id}`,
                embed: (texts, signal) => embedding.doEmbed(texts, { abortSignal: signal }),
              }
            : undefined,
      };
      const each: Profile = {
        name,
        recallMs: [],
        embedMs: [],
        memoryTextTokens: [],
        toolTokens: await toolTokens(),
        engineOnMs: [],
        engineOffMs: [],
      };
      for (const { id, question } of asked) {
        let started = performance.now();
        const memory = await recallForReply(
          db,
          { conversationId, userMessageId: id },
          window,
          deps,
          new AbortController().signal,
        );
        each.recallMs.push(performance.now() - started);
        if (withVectors) {
          started = performance.now();
          await embedding.doEmbed([question]);
          each.embedMs.push(performance.now() - started);
        }
        const text = memory?.system ?? "";
        const recalled = memory?.recalled === undefined ? "" : `${memory.recalled.text}\n\n`;
        each.memoryTextTokens.push(
          (await window.countMessageTokens({ role: "system", content: text })) + (memory?.recalled?.tokens ?? 0),
        );
        const user = { role: "user" as const, content: [{ type: "text" as const, text: question }] };
        const withRecalled = { role: "user" as const, content: [{ type: "text" as const, text: recalled + question }] };
        each.engineOffMs.push(await firstDeltaMs([user]));
        each.engineOnMs.push(await firstDeltaMs([{ role: "system", content: text }, withRecalled]));
      }
      profiles.push(each);
    }
    return profiles;
  } finally {
    await engine.close();
    await db.close();
    await lock.release();
  }
}

const modelsDir = await mkdtemp(join(tmpdir(), "hearth-bench-memory-models-"));
const forgetModels = undoOnInterrupt(() => rm(modelsDir, { recursive: true, force: true }));
let dataDir: string | undefined;
try {
  progress("building the server");
  await buildServer(root);
  const chatModel = await writeTestModel(join(modelsDir, `${CHAT_MODEL.id}.gguf`), {
    layers: CHAT_MODEL.layers,
    width: CHAT_MODEL.width,
    type: CHAT_MODEL.type,
    contextLength: CONTEXT_SIZE,
    words,
  });
  await writeTestModel(join(modelsDir, `${EMBEDDING_MODEL.id}.gguf`), {
    layers: EMBEDDING_MODEL.layers,
    width: EMBEDDING_MODEL.width,
    // Trained for 512 tokens (as MiniLM is), so its embedding context is 512, not the chat model's 4,096.
    contextLength: 512,
    embeddings: "bag-of-words",
    words,
  });
  progress(`models: chat ${(chatModel.bytes / 1e6).toFixed(1)} MB, ${VOCABULARY} made-up words as tokens`);
  const env = (embeddingModel: string | undefined): Record<string, string> => ({
    HEARTH_MODELS_DIR: modelsDir,
    HEARTH_ENGINE_CONTEXT_SIZE: String(CONTEXT_SIZE),
    HEARTH_ENGINE_GPU: "off",
    HEARTH_CHAT_MAX_REPLY_TOKENS: String(REPLY_TOKENS),
    HEARTH_SEARCH_INDEX_CHECK_MS: "200",
    // The embedded database's vacuum and analyze pass (every minute by default) runs soon after the
    // sweep, before the questions, rather than in the middle of them.
    HEARTH_SERVER_MAINTENANCE_SECONDS: String(MAINTENANCE_SECONDS),
    HEARTH_LIMITS_MESSAGES_PER_MINUTE: "1000000",
    HEARTH_LIMITS_CONVERSATIONS_PER_MINUTE: "1000000",
    ...(embeddingModel === undefined ? {} : { HEARTH_SEARCH_EMBEDDING_MODEL: embeddingModel }),
  });

  // The account through the API; the history while no server holds the data dir.
  const first = await startServer(root, { env: env(undefined) });
  dataDir = first.dataDir;
  const credentials = await setUpAccount(first.baseUrl).finally(() => first.stop({ keepDataDir: true }));
  const headers = authHeaders(credentials, "api-key");
  progress(`seeding ${messageCount} messages in ${CONVERSATIONS} conversations`);
  {
    const lock = await lockDataDir(dataDir);
    const db = await openDatabase({ kind: "pglite", dataDir });
    await seedHistory(db, await findBenchUser(db)).finally(async () => {
      await db.close();
      await lock.release();
    });
  }
  const questions = Array.from({ length: questionCount }, () => sentence(QUESTION_WORDS, 2));

  const configurations: Configuration[] = [];
  const indexSeconds: number[] = [];
  for (const embeddingModel of [undefined, `local/${EMBEDDING_MODEL.id}`]) {
    const name = embeddingModel === undefined ? "keyword" : "keyword + embeddings";
    const server = await startServer(root, { dataDir, env: env(embeddingModel) });
    try {
      const client = new Client(server, headers);
      progress(`${name}: waiting for the search index`);
      indexSeconds.push(await client.indexed(name));
      progress(`  indexed in ${(indexSeconds.at(-1) as number).toFixed(1)} s`);
      await new Promise((resolve) => setTimeout(resolve, 2 * MAINTENANCE_SECONDS * 1000));
      if (embeddingModel === undefined) {
        for (let index = 0; index < MEMORIES; index++) {
          await client.request("POST", "/api/memories", { content: `I ${sentence(MEMORY_WORDS)}` }, 201);
        }
      }
      configurations.push(await measure(client, name, questions));
      await client.setMemory(false);
    } finally {
      await server.stop({ keepDataDir: true });
    }
  }
  const profiles = await profile(dataDir, modelsDir, questions);

  const ms = (samples: number[]) => `${median(samples).toFixed(0)} / ${percentile(samples, 95).toFixed(0)} ms`;
  const rows: [string, string, string][] = [];
  for (const [index, each] of configurations.entries()) {
    const off = each.off.map((send) => send.ms);
    const on = each.on.map((send) => send.ms);
    const tokensOff = median(each.off.map((send) => send.promptTokens));
    const tokensOn = median(each.on.map((send) => send.promptTokens));
    const detail = profiles[index] as Profile;
    const ratios = each.on.map((send, at) => send.ms / (each.off[at] as Send).ms);
    rows.push([`${each.name}: first delta, memory off`, ms(off), `p50 / p95 of ${off.length} questions`]);
    rows.push([
      `${each.name}: first delta, memory on`,
      ms(on),
      `p50 / p95; indexed in ${(indexSeconds[index] as number).toFixed(1)} s`,
    ]);
    rows.push([
      `${each.name}: on ÷ off`,
      `${(median(on) / median(off)).toFixed(2)} / ${(percentile(on, 95) / percentile(off, 95)).toFixed(2)}`,
      `p50s / p95s (goal ≤ 1.2); median of pairs ${median(ratios).toFixed(2)}`,
    ]);
    const runOff = each.runs.off.map((send) => send.ms);
    const runOn = each.runs.on.map((send) => send.ms);
    rows.push([`${each.name}: in runs, memory off`, ms(runOff), "p50 / p95, the questions one after another"]);
    rows.push([
      `${each.name}: in runs, memory on`,
      ms(runOn),
      "p50 / p95, the saved memories held from the reply before",
    ]);
    rows.push([
      `${each.name}: in runs, on ÷ off`,
      `${(median(runOn) / median(runOff)).toFixed(2)} / ${(percentile(runOn, 95) / percentile(runOff, 95)).toFixed(2)}`,
      "p50s / p95s (goal ≤ 1.2)",
    ]);
    rows.push([
      `${each.name}: prompt tokens`,
      `${tokensOff} → ${tokensOn}`,
      `off → on (+${tokensOn - tokensOff}); the memory text ${median(detail.memoryTextTokens)} tokens ` +
        `(${median(each.on.map((send) => send.memories))} memories, ${median(each.on.map((send) => send.passages))} passages); ` +
        `the remember tool's documentation ${detail.toolTokens} where it is offered`,
    ]);
    rows.push([
      `${each.name}: recall alone`,
      ms(detail.recallMs),
      "p50 / p95, in this process (reads, search, counting)",
    ]);
    if (detail.embedMs.length > 0) {
      rows.push([`${each.name}: embedding the question`, ms(detail.embedMs), "p50 / p95, part of recall above"]);
    }
    rows.push([
      `${each.name}: engine, memory text or not`,
      `${median(detail.engineOffMs).toFixed(0)} → ${median(detail.engineOnMs).toFixed(0)} ms`,
      "first delta of the engine alone: the question, then with the memory text as a system message",
    ]);
  }
  process.stdout.write(`${formatRows(rows)}\n`);
} finally {
  forgetModels();
  await rm(modelsDir, { recursive: true, force: true });
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
}
