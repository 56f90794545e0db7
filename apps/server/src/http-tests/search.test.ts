import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import type { components } from "@hearth/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createConversation,
  searchIndexed,
  sendMessage,
  settledReply,
  signedInAdmin,
  signedInUser,
  startTestServer,
  type TestClient,
  type TestServer,
} from "../testing/index.ts";

type SearchResults = components["schemas"]["SearchResults"];

/**
 * Search by keyword over real HTTP, on messages sent through the API and indexed by the server's own
 * sweep: ranking, stemming, highlights, filters, deleted conversations, other users, and bad queries.
 */
describe("search by keyword", { timeout: 120_000 }, () => {
  let modelsDir: string;
  let server: TestServer;
  let ada: TestClient;
  let bob: TestClient;
  let bobId: string;
  const conversations: Record<string, string> = {};

  const search = (client: TestClient, query: Record<string, string>) =>
    client.get<SearchResults>(`/api/search?${new URLSearchParams(query)}`);
  /** Sends a message, waits for its reply, and gives the question's id. */
  const say = async (client: TestClient, conversation: string, text: string) => {
    server.clock.advance(10); // past the per-minute message limit
    const exchange = await sendMessage(client, conversation, text);
    await settledReply(client, conversation, exchange.assistantMessage.id);
    return exchange.userMessage.id;
  };
  const indexed = searchIndexed;

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-search-"));
    await writeTestModel(join(modelsDir, "tiny.gguf"));
    server = await startTestServer({
      modelsDir,
      engine: { gpu: "off", contextSize: 512 },
      chat: { maxReplyTokens: 4 },
      search: { indexCheckMs: 50 },
    });
    ada = await signedInAdmin(server);
    ({ client: bob, id: bobId } = await signedInUser(server, ada, {
      username: "bob",
      email: "bob@example.com",
      password: "bob's long password",
    }));
    conversations.solar = await createConversation(ada, { title: "Solar at home" });
    conversations.bread = await createConversation(ada, { title: "Baking" });
    conversations.bob = await createConversation(bob, { title: "Bob's garden" });
    await say(ada, conversations.solar, "How many solar panels does a small roof hold?");
    await say(ada, conversations.solar, "The inverter hums at night; is that normal?");
    await say(ada, conversations.bread, "A recipe for sourdough bread with rye flour, please.");
    await say(
      ada,
      conversations.bread,
      `${"Some words about flour and water. ".repeat(150)}The crust came out zucchini-green.`,
    );
    await say(bob, conversations.bob, "My solar lamp in the garden stopped working.");
    await indexed(ada);
    await indexed(bob);
  });
  afterAll(async () => {
    await server?.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it("finds words by their stem, ranks the best first, and marks what matched", async () => {
    const found = await search(ada, { q: "panel roofs", mode: "keyword" });
    expect(found.status, found.text).toBe(200);
    expect(found.body.rankedBy).toEqual(["keyword"]);
    const [best] = found.body.data;
    expect(best).toMatchObject({
      conversationId: conversations.solar,
      conversationTitle: "Solar at home",
      role: "user",
      model: null,
      matchedBy: ["keyword"],
    });
    expect(best?.snippet).toBe("How many solar panels does a small roof hold?");
    const marked = best?.highlights.map(({ start, end }) => best.snippet.slice(start, end).toLowerCase());
    expect(marked).toEqual(["panels", "roof"]);

    // Every message of the solar conversation that says "solar", and none of bob's.
    const solar = await search(ada, { q: "solar", mode: "keyword" });
    expect(solar.body.data.map((hit) => hit.conversationId)).toEqual([conversations.solar]);
  });

  it("finds a word at the end of a long message, in the passage that holds it", async () => {
    const found = await search(ada, { q: "zucchini", mode: "keyword" });
    expect(found.body.data).toHaveLength(1);
    expect(found.body.data[0]?.snippet).toContain("zucchini");
    expect(found.body.data[0]?.snippet.length).toBeLessThan(1000);
  });

  it("filters by conversation, role and time", async () => {
    const inBread = await search(ada, { q: "flour", mode: "keyword", conversationId: conversations.bread as string });
    expect(inBread.body.data).toHaveLength(2);
    const inSolar = await search(ada, { q: "flour", mode: "keyword", conversationId: conversations.solar as string });
    expect(inSolar.body.data).toEqual([]);
    expect((await search(ada, { q: "flour", mode: "keyword", role: "assistant" })).body.data).toEqual([]);
    const now = server.clock.now().getTime();
    const future = new Date(now + 3600_000).toISOString();
    expect((await search(ada, { q: "flour", mode: "keyword", from: future })).body.data).toEqual([]);
    expect((await search(ada, { q: "flour", mode: "keyword", to: future })).body.data).toHaveLength(2);
    expect(
      (await search(ada, { q: "flour", mode: "keyword", from: "2000-01-01", to: "2000-01-02" })).body.data,
    ).toEqual([]);
  });

  it("leaves out deleted conversations, and brings them back with a restore", async () => {
    const id = conversations.bread as string;
    expect((await ada.delete(`/api/conversations/${id}`)).status).toBe(204);
    expect((await search(ada, { q: "sourdough", mode: "keyword" })).body.data).toEqual([]);
    expect((await ada.post(`/api/conversations/${id}/restore`)).status).toBe(200);
    expect((await search(ada, { q: "sourdough", mode: "keyword" })).body.data).toHaveLength(1);
  });

  it("never shows one user another's messages, whatever the filter", async () => {
    const bobs = await search(bob, { q: "solar", mode: "keyword" });
    expect(bobs.body.data.map((hit) => hit.conversationId)).toEqual([conversations.bob]);
    const prying = await search(bob, { q: "solar", mode: "keyword", conversationId: conversations.solar as string });
    expect(prying.status).toBe(200);
    expect(prying.body.data).toEqual([]);
    expect((await search(bob, { q: "sourdough" })).body.data).toEqual([]);
  });

  it("answers by keyword in hybrid mode without an embedding model, and refuses semantic mode", async () => {
    const hybrid = await search(ada, { q: "inverter" });
    expect(hybrid.status).toBe(200);
    expect(hybrid.body.rankedBy).toEqual(["keyword"]);
    expect(hybrid.body.data).toHaveLength(1);
    const semantic = await search(ada, { q: "inverter", mode: "semantic" });
    expect(semantic.status).toBe(409);
    expect(semantic.body).toMatchObject({ code: "semantic-search-unavailable", reason: "no-embedding-model" });
  });

  it("takes any text as a query, and refuses bad parameters with a 400 that names them", async () => {
    for (const q of ["'&|!:*()<-> \\", '"unclosed phrase', "-", "the", "ünïcödé 日本語 🔥", "a".repeat(500)]) {
      const answer = await search(ada, { q, mode: "keyword" });
      expect(answer.status, q).toBe(200);
    }
    const bad: [Record<string, string>, string][] = [
      [{}, "q"],
      [{ q: "   " }, "q"],
      [{ q: "a".repeat(501) }, "q"],
      [{ q: "nul\u0000byte" }, "q"],
      [{ q: "x", mode: "fuzzy" }, "mode"],
      [{ q: "x", limit: "0" }, "limit"],
      [{ q: "x", limit: "51" }, "limit"],
      [{ q: "x", conversationId: "not-a-uuid" }, "conversationId"],
      [{ q: "x", role: "system" }, "role"],
      [{ q: "x", from: "yesterday" }, "from"],
      [{ q: "x", from: "0000-01-01" }, "from"],
      [{ q: "x", from: "+275760-09-13T00:00:00.000Z" }, "from"],
      [{ q: "x", from: "2026-02-01", to: "2026-01-01" }, "to"],
    ];
    for (const [query, field] of bad) {
      const answer = await search(ada, query);
      expect(answer.status, JSON.stringify(query)).toBe(400);
      expect(JSON.stringify(answer.body), JSON.stringify(query)).toContain(field);
    }
    expect((await server.client().get("/api/search?q=solar")).status).toBe(401);
  });

  it("keeps nothing of a deleted account in the index", async () => {
    const count = async () =>
      (await server.db.query<{ n: number }>("SELECT count(*)::int AS n FROM search_chunks WHERE user_id = $1", [bobId]))
        .rows[0]?.n;
    expect(await count()).toBeGreaterThan(0);
    await server.db.query("DELETE FROM users WHERE id = $1", [bobId]);
    expect(await count()).toBe(0);
  });
});
