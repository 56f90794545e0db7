import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "@hearth/db";
import { createTestDatabase, testDatabaseUrl } from "@hearth/db/testing";
import { writeTestModel } from "@hearth/engine/testing";
import type { components } from "@hearth/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Config, loadConfig } from "../config.ts";
import { createLogger } from "../logger.ts";
import { type RunningHearth, startHearth } from "../server.ts";
import {
  ADMIN,
  createConversation,
  ManualClock,
  sendMessage,
  settledReply,
  signedInAdmin,
  signedInUser,
  startTestServer,
  TestClient,
  type TestServer,
} from "../testing/index.ts";

type SearchResults = components["schemas"]["SearchResults"];
type Mode = "keyword" | "semantic" | "hybrid";

/**
 * Ada's messages: ten topics, three conversations of two messages each. Lower case and without
 * punctuation, so that every word is one token of the bag-of-words model (see `words`).
 */
const CORPUS: Record<string, readonly (readonly [string, string])[]> = {
  solar: [
    ["how many solar panels fit on a small roof", "the inverter hums loudly every night"],
    ["does a home battery store enough solar power for winter", "the quote for roof panels seems expensive"],
    ["the inverter shows a red error light after the storm", "should panels face south or west for morning sun"],
  ],
  bread: [
    ["my sourdough starter smells sour and has liquid on top", "rye flour makes the dough sticky and dense"],
    ["what oven temperature gives a dark crust on bread", "the loaf stays flat after proofing overnight"],
    ["how much water per kilo of flour for a wet dough", "feeding the starter twice a day with whole wheat flour"],
  ],
  garden: [
    ["tomato leaves turn yellow from the bottom up", "when to plant tomato seedlings outside after frost"],
    ["slugs eat every lettuce seedling in the raised bed", "how often should i water tomatoes in hot weather"],
    ["the compost heap smells bad and attracts flies", "raised bed soil mix with compost and sand"],
  ],
  bike: [
    ["the bicycle chain skips on the smallest gear", "the rear brake squeals when wet"],
    ["how to patch a tube after a flat tire", "adjust the derailleur so the chain shifts cleanly"],
    ["tire pressure for a commuter bike on gravel", "brake pads wear out fast on the front wheel"],
  ],
  cat: [
    ["my cat stopped eating and sleeps all day", "the vet says the kitten needs a second vaccine"],
    ["the cat scratches the sofa instead of the post", "my older cat drinks a lot of water at night"],
    ["how often should the vet check the teeth of an old cat", "the kitten bites hands during play"],
  ],
  coffee: [
    ["the espresso tastes bitter and the shot runs too fast", "which grind size for a french press"],
    ["descale the espresso machine with citric acid", "pour over coffee ratio of water to beans"],
    ["light roast beans taste sour in the espresso", "the milk foam collapses before latte art"],
  ],
  travel: [
    ["rail pass for trains between tokyo and kyoto", "a cheap hotel near the station in osaka"],
    ["is the shinkansen reserved seat worth the price", "the best season to see cherry blossoms in kyoto"],
    ["luggage forwarding from the airport to the hotel", "night bus from tokyo to osaka instead of the train"],
  ],
  guitar: [
    ["my fingers hurt after practicing guitar chords", "the barre chord buzzes on the second fret"],
    ["new strings go out of tune quickly", "a daily practice routine for a beginner guitar player"],
    ["how to change strings on an acoustic guitar", "a strumming pattern for a slow song"],
  ],
  taxes: [
    ["can i deduct a home office from income tax", "an invoice template for freelance design work"],
    ["quarterly tax payments as a freelancer", "how long to keep receipts for business expenses"],
    ["late invoice payment from a client what to do", "the tax refund is still missing after three months"],
  ],
  running: [
    ["knee pain after long runs on asphalt", "a marathon training plan for sixteen weeks"],
    ["running shoes wear out after how many kilometers", "interval training to run a faster five kilometer race"],
    ["what to eat before a marathon race morning", "shin pain when i increase weekly running distance"],
  ],
};

/**
 * What a query is like. exact: one word the relevant messages hold as such. inflected: the relevant
 * messages hold its words in another form (full-text search's stems find them; a bag of words does
 * not). paraphrase: the relevant messages share some of its words but none holds them all (full-text
 * search wants every one).
 */
type QueryKind = "exact" | "inflected" | "paraphrase";

/** The labelled queries; relevant messages are named `<topic><n>`, n counting from 1 in CORPUS order. */
const QUERIES: readonly { q: string; kind: QueryKind; relevant: readonly string[] }[] = [
  { q: "inverter", kind: "exact", relevant: ["solar2", "solar5"] },
  { q: "panel roofs", kind: "inflected", relevant: ["solar1", "solar4"] },
  { q: "inverter noise at night after a storm", kind: "paraphrase", relevant: ["solar2", "solar5"] },
  { q: "flour", kind: "exact", relevant: ["bread2", "bread5", "bread6"] },
  { q: "starters", kind: "inflected", relevant: ["bread1", "bread6"] },
  { q: "sticky wet dough with rye", kind: "paraphrase", relevant: ["bread2", "bread5"] },
  { q: "compost", kind: "exact", relevant: ["garden5", "garden6"] },
  { q: "tomatoes", kind: "inflected", relevant: ["garden1", "garden2", "garden4"] },
  { q: "slugs eating lettuce in the raised beds at night", kind: "paraphrase", relevant: ["garden3"] },
  { q: "chain", kind: "exact", relevant: ["bike1", "bike4"] },
  { q: "brakes", kind: "inflected", relevant: ["bike2", "bike6"] },
  { q: "flat tire on my commuter bike", kind: "paraphrase", relevant: ["bike3", "bike5"] },
  { q: "kitten", kind: "exact", relevant: ["cat2", "cat6"] },
  { q: "vets", kind: "inflected", relevant: ["cat2", "cat5"] },
  { q: "old cat sleeps and drinks water all night", kind: "paraphrase", relevant: ["cat1", "cat4"] },
  { q: "espresso", kind: "exact", relevant: ["coffee1", "coffee3", "coffee5"] },
  { q: "bean", kind: "inflected", relevant: ["coffee4", "coffee5"] },
  { q: "sour bitter taste of espresso shot", kind: "paraphrase", relevant: ["coffee1", "coffee5"] },
  { q: "kyoto", kind: "exact", relevant: ["travel1", "travel4"] },
  { q: "hotels", kind: "inflected", relevant: ["travel2", "travel5"] },
  { q: "cheapest train from tokyo to osaka", kind: "paraphrase", relevant: ["travel1", "travel6"] },
  { q: "strings", kind: "exact", relevant: ["guitar3", "guitar5"] },
  { q: "chord", kind: "inflected", relevant: ["guitar1", "guitar2"] },
  { q: "beginner guitar practice hurts fingers", kind: "paraphrase", relevant: ["guitar1", "guitar4"] },
  { q: "invoice", kind: "exact", relevant: ["taxes2", "taxes5"] },
  { q: "taxes", kind: "inflected", relevant: ["taxes1", "taxes3", "taxes6"] },
  { q: "client pays the freelance invoice late", kind: "paraphrase", relevant: ["taxes5"] },
  { q: "marathon", kind: "exact", relevant: ["running2", "running5"] },
  { q: "runs", kind: "inflected", relevant: ["running1", "running3", "running4", "running6"] },
  { q: "knee and shin pain from running", kind: "paraphrase", relevant: ["running1", "running6"] },
];

/** Bob's message, about Ada's topics in Ada's words: it must never show up in her results. */
const BOBS_MESSAGE = "my inverter is silent and the solar panels on the roof are new";

/** Every word of the texts above, each to be one token of the embedding model. */
const words = [
  ...new Set(
    [...Object.values(CORPUS).flat(2), ...QUERIES.map((query) => query.q), BOBS_MESSAGE].flatMap((text) =>
      text.split(" "),
    ),
  ),
];

/** Wide enough that unrelated words stay nearly orthogonal (±1/√256 ≈ 0.06 a pair). */
const WIDTH = 256;

/** The share of `relevant` among the first ten of `found`. */
function recallAt10(found: readonly string[], relevant: readonly string[]): number {
  const top = new Set(found.slice(0, 10));
  return relevant.filter((id) => top.has(id)).length / relevant.length;
}

const mean = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;

/** Sends a message, waits for its reply, and gives the message's id. */
async function say(client: TestClient, conversationId: string, text: string): Promise<string> {
  const exchange = await sendMessage(client, conversationId, text);
  await settledReply(client, conversationId, exchange.assistantMessage.id);
  return exchange.userMessage.id;
}

const search = (client: TestClient, query: Record<string, string>) =>
  client.get<SearchResults>(`/api/search?${new URLSearchParams(query)}`);

/** Waits until every finished message of the client's is indexed and every chunk has its vector. */
async function embedded(client: TestClient): Promise<void> {
  for (let attempt = 0; attempt < 800; attempt++) {
    const { body } = await search(client, { q: "anything", mode: "keyword" });
    if (body.indexing.messagesToIndex === 0 && body.indexing.chunksToEmbed === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("the messages were never indexed and embedded");
}

/** Every chunk, by the model and width of its vector (none: not embedded). */
async function vectorsByModel(db: Database): Promise<{ model: string | null; dims: number | null; n: number }[]> {
  const { rows } = await db.query<{ model: string | null; dims: number | null; n: number }>(
    `SELECT v.model, v.dims, count(*)::int AS n FROM search_chunks s
     LEFT JOIN search_vectors v ON v.message_id = s.message_id AND v.chunk = s.chunk
     GROUP BY v.model, v.dims ORDER BY v.model`,
  );
  return rows;
}

// Search by meaning needs pgvector: the embedded database has it, the PostgreSQL server tests run on
// with TEST_DATABASE_URL (Debian's) does not, and there semantic mode is a 409 (search.test.ts).
const withoutVectors = testDatabaseUrl() !== undefined;

/**
 * Search by meaning over real HTTP, with a bag-of-words test model embedding the messages (its
 * vectors' cosine follows the words two texts share): the sweep writes vectors, semantic and hybrid
 * rank by them, other users' messages stay out, and a labelled set measures recall@10 by mode.
 * Replies (one token of the test model, random) are left out of every search with role=user.
 */
describe.skipIf(withoutVectors)("search by meaning", { timeout: 300_000 }, () => {
  let modelsDir: string;
  let server: TestServer;
  let ada: TestClient;
  let bob: TestClient;
  let bobsConversation: string;
  let bobsMessage: string;
  /** The `<topic><n>` keys of Ada's messages by id, and their conversations by key. */
  const keys = new Map<string, string>();
  const conversationOf = new Map<string, string>();

  /** The keys of Ada's messages a search finds, best first. */
  const found = async (q: string, mode: Mode) => {
    const answer = await search(ada, { q, mode, role: "user", limit: "10" });
    expect(answer.status, answer.text).toBe(200);
    return answer.body.data.map((hit) => keys.get(hit.messageId) ?? hit.messageId);
  };

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-semantic-search-"));
    await writeTestModel(join(modelsDir, "bag.gguf"), { embeddings: "bag-of-words", width: WIDTH, words });
    server = await startTestServer({
      modelsDir,
      engine: { gpu: "off", contextSize: 512 },
      chat: { maxReplyTokens: 1 },
      limits: { messagesPerMinute: 1000, conversationsPerMinute: 1000 },
      search: { embeddingModel: "local/bag", indexCheckMs: 50 },
    });
    ada = await signedInAdmin(server);
    ({ client: bob } = await signedInUser(server, ada, {
      username: "bob",
      email: "bob@example.com",
      password: "bob's long password",
    }));
    for (const [topic, conversations] of Object.entries(CORPUS)) {
      for (const [index, pair] of conversations.entries()) {
        const conversationId = await createConversation(ada, { title: `${topic} ${index + 1}` });
        for (const [turn, text] of pair.entries()) {
          const key = `${topic}${index * 2 + turn + 1}`;
          const id = await say(ada, conversationId, text);
          keys.set(id, key);
          conversationOf.set(key, conversationId);
        }
      }
    }
    bobsConversation = await createConversation(bob, { title: "Bob's roof" });
    bobsMessage = await say(bob, bobsConversation, BOBS_MESSAGE);
    await embedded(ada);
    await embedded(bob);
  }, 240_000);
  afterAll(async () => {
    await server?.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it("writes a vector for every chunk, with the configured model and its width", async () => {
    const chunks = await server.db.query<{ n: number }>("SELECT count(*)::int AS n FROM search_chunks");
    expect(await vectorsByModel(server.db)).toEqual([{ model: "local/bag", dims: WIDTH, n: chunks.rows[0]?.n }]);
  });

  it("finds by meaning what shares words with the query, where full-text search (all words) finds nothing", async () => {
    const q = "inverter hums after storm";
    expect(await found(q, "keyword")).toEqual([]);
    const semantic = await search(ada, { q, mode: "semantic", role: "user" });
    expect(semantic.body.rankedBy).toEqual(["semantic"]);
    const [first, second, third] = semantic.body.data;
    expect([first, second].map((hit) => keys.get(hit?.messageId ?? "")).sort()).toEqual(["solar2", "solar5"]);
    expect(first?.matchedBy).toEqual(["semantic"]);
    // Unrelated messages come after, well below (sharing "after" at most).
    expect(second?.score).toBeGreaterThan((third?.score ?? 0) + 0.05);
  });

  it("marks a message found both ways in hybrid mode as matched by keyword and by meaning", async () => {
    const hybrid = await search(ada, { q: "inverter", role: "user" });
    expect(hybrid.body.rankedBy).toEqual(["keyword", "semantic"]);
    const top = hybrid.body.data.slice(0, 2);
    expect(top.map((hit) => keys.get(hit.messageId)).sort()).toEqual(["solar2", "solar5"]);
    for (const hit of top) expect(hit.matchedBy).toEqual(["keyword", "semantic"]);
    expect(hybrid.body.data.slice(2).every((hit) => !hit.matchedBy.includes("keyword"))).toBe(true);
  });

  it("never shows one user another's messages by meaning, whatever the filter", async () => {
    for (const mode of ["semantic", "hybrid"] as const) {
      const adas = await search(ada, { q: BOBS_MESSAGE, mode, limit: "50" });
      expect(adas.body.data.length).toBeGreaterThan(0);
      expect(adas.body.data.map((hit) => hit.messageId)).not.toContain(bobsMessage);
      const bobs = await search(bob, { q: "inverter noise at night after a storm", mode, limit: "50" });
      expect(bobs.body.data.map((hit) => hit.conversationId)).toEqual(bobs.body.data.map(() => bobsConversation));
      expect(bobs.body.data.map((hit) => hit.messageId)).toContain(bobsMessage);
      const prying = await search(bob, { q: "inverter", mode, conversationId: conversationOf.get("solar2") ?? "" });
      expect(prying.status).toBe(200);
      expect(prying.body.data).toEqual([]);
    }
  });

  it("recalls the labelled messages best in hybrid mode: by stems as keyword does, by shared words as semantic does", async () => {
    const recall: Record<Mode, Record<QueryKind, number[]>> = {
      keyword: { exact: [], inflected: [], paraphrase: [] },
      semantic: { exact: [], inflected: [], paraphrase: [] },
      hybrid: { exact: [], inflected: [], paraphrase: [] },
    };
    for (const query of QUERIES) {
      for (const mode of ["keyword", "semantic", "hybrid"] as const) {
        // Semantic searches are limited per minute (routes.ts): the clock moves a second a search.
        server.clock.advance(1);
        recall[mode][query.kind].push(recallAt10(await found(query.q, mode), query.relevant));
      }
    }
    const overall = (mode: Mode) => mean(Object.values(recall[mode]).flat());
    const byKind = (mode: Mode, kind: QueryKind) => mean(recall[mode][kind]);
    const figures = (["keyword", "semantic", "hybrid"] as const).map((mode) => ({
      mode,
      recallAt10: overall(mode).toFixed(2),
      exact: byKind(mode, "exact").toFixed(2),
      inflected: byKind(mode, "inflected").toFixed(2),
      paraphrase: byKind(mode, "paraphrase").toFixed(2),
    }));
    console.log(`recall@10 over ${QUERIES.length} labelled queries, 60 messages:\n${JSON.stringify(figures)}`);

    expect(overall("hybrid")).toBeGreaterThanOrEqual(Math.max(overall("keyword"), overall("semantic")) - 0.05);
    expect(byKind("keyword", "exact")).toBe(1);
    expect(byKind("semantic", "exact")).toBe(1);
    // Full-text search wants every word of the query; by meaning, shared words are enough.
    expect(byKind("keyword", "paraphrase")).toBe(0);
    expect(byKind("semantic", "paraphrase")).toBeGreaterThanOrEqual(0.9);
    // Stems find other forms of a word; the bag of words knows none.
    expect(byKind("keyword", "inflected")).toBe(1);
    expect(byKind("semantic", "inflected")).toBeLessThan(0.7);
    expect(byKind("hybrid", "paraphrase")).toBeGreaterThanOrEqual(0.9);
    expect(byKind("hybrid", "inflected")).toBeGreaterThanOrEqual(0.9);
  });
});

/** Starts Hearth over `database` with `embeddingModel`, as a restart with a changed configuration does. */
async function startWith(database: Database, modelsDir: string, embeddingModel: string): Promise<RunningHearth> {
  const loaded = loadConfig({
    argv: [],
    env: { HEARTH_DATA_DIR: modelsDir, PORT: "0", HEARTH_ENGINE_LOCAL_BUILD: "off" },
    cwd: modelsDir,
  });
  if (loaded.ok !== true) throw new Error(`test config invalid: ${JSON.stringify(loaded)}`);
  const config: Config = {
    ...loaded.config,
    modelsDir,
    engine: { ...loaded.config.engine, gpu: "off", contextSize: 512 },
    chat: { ...loaded.config.chat, maxReplyTokens: 1 },
    search: { embeddingModel, indexCheckMs: 50 },
  };
  const hearth = await startHearth({ config, logger: createLogger("silent"), clock: new ManualClock(), database });
  await hearth.ready;
  return hearth;
}

describe.skipIf(withoutVectors)("search by meaning after a change of embedding model", { timeout: 120_000 }, () => {
  let modelsDir: string;
  let database: Database;
  let hearth: RunningHearth | undefined;

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-embedding-change-"));
    await writeTestModel(join(modelsDir, "bag-a.gguf"), { embeddings: "bag-of-words", width: 128, words });
    await writeTestModel(join(modelsDir, "bag-b.gguf"), { embeddings: "bag-of-words", width: 64, seed: 2, words });
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await hearth?.close();
    await database?.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it("re-embeds every chunk with the new model on a restart, and searches with its vectors alone", async () => {
    hearth = await startWith(database, modelsDir, "local/bag-a");
    const before = new TestClient(hearth.url);
    expect((await before.post("/api/setup", ADMIN)).status).toBe(201);
    expect((await before.logIn(ADMIN.email, ADMIN.password)).status).toBe(200);
    const conversationId = await createConversation(before, { title: "solar" });
    const inverter = await say(before, conversationId, "the inverter hums loudly every night");
    await say(before, conversationId, "rye flour makes the dough sticky and dense");
    await embedded(before);
    const chunks = (await database.query<{ n: number }>("SELECT count(*)::int AS n FROM search_chunks")).rows[0]?.n;
    expect(await vectorsByModel(database)).toEqual([{ model: "local/bag-a", dims: 128, n: chunks }]);
    await hearth.close();
    hearth = undefined;

    hearth = await startWith(database, modelsDir, "local/bag-b");
    const after = new TestClient(hearth.url);
    expect((await after.logIn(ADMIN.email, ADMIN.password)).status).toBe(200);
    await embedded(after);
    expect(await vectorsByModel(database)).toEqual([{ model: "local/bag-b", dims: 64, n: chunks }]);
    const found = await search(after, { q: "inverter hums after storm", mode: "semantic", role: "user" });
    expect(found.status, found.text).toBe(200);
    expect(found.body.data[0]?.messageId).toBe(inverter);
  });
});
