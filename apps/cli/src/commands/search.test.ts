import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { type components, type HearthClient, unwrap } from "@hearth/sdk";
import { startTestServer, type TestServer } from "@hearth/server/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { adminApiKey } from "../testing/admin-api-key.ts";
import { canRunOnTerminal, runHearth, runHearthOnTerminal } from "../testing/run-hearth.ts";

type SearchResults = components["schemas"]["SearchResults"];

/** `hearth search` prints a hit's title, then its date and author (the clock is the test server's own). */
const HIT_HEADER = (title: string, author: string, conversationId: string) =>
  new RegExp(`^${title} · \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} · ${author} · ${conversationId}$`, "m");

describe("hearth search, against a real server", () => {
  let workDir: string;
  let server: TestServer;
  let hearth: HearthClient;
  let env: Record<string, string>;
  let kitchen: string;
  let garden: string;

  const send = async (conversationId: string, content: string) => {
    server.clock.advance(10); // past the per-minute message limit
    unwrap(
      await hearth.api.POST("/api/conversations/{id}/messages", {
        params: { path: { id: conversationId } },
        body: { content },
      }),
    );
    await server.idle();
  };
  const search = async (q: string) => unwrap(await hearth.api.GET("/api/search", { params: { query: { q } } }));

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), "hearth-cli-search-"));
    await writeTestModel(join(workDir, "tiny.gguf"));
    // The sweep that indexes messages is queued by the test (below), not every few seconds, so that
    // what is still unindexed can be seen.
    server = await startTestServer({
      modelsDir: workDir,
      engine: { gpu: "off", contextSize: 512 },
      chat: { maxReplyTokens: 4 },
      search: { indexCheckMs: 3_600_000 },
    });
    const admin = await adminApiKey(server.url);
    hearth = admin.hearth;
    env = { HEARTH_URL: server.url, HEARTH_API_KEY: admin.key, HEARTH_CONFIG_DIR: join(workDir, "config") };
    kitchen = unwrap(await hearth.api.POST("/api/conversations", { body: { title: "Kitchen" } })).id;
    garden = unwrap(await hearth.api.POST("/api/conversations", { body: { title: "Garden plans" } })).id;
    await send(kitchen, "How long does rye sourdough need to proof?");
    await send(kitchen, "Can sourdough starter live in the fridge?");
    await send(garden, "Which \u001b[2J sourdough-friendly herbs grow in shade?");
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it("says how many messages are still being indexed, and that a hybrid search answered by keyword alone", async () => {
    const run = await runHearth(["search", "sourdough"], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("No messages found.");
    // Three questions and their three replies.
    expect(run.stderr).toContain("6 messages are still being indexed and not searched yet.");
    expect(run.stderr).toContain("Searched by keyword only");

    // The sweep the server queues by itself every search.indexCheckMs.
    await server.jobs.enqueue({ queue: "search-index", singletonKey: "sweep" });
    await vi.waitFor(async () => expect((await search("sourdough")).indexing.messagesToIndex).toBe(0), {
      timeout: 15_000,
      interval: 50,
    });
  });

  it("prints each hit's conversation, date and author, and its snippet with the matches in brackets", async () => {
    const run = await runHearth(["search", "sourdough", "starter", "--mode", "keyword"], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(HIT_HEADER("Kitchen", "you", kitchen));
    expect(run.stdout).toMatch(/^ {2}.*\[sourdough\] \[starter\] live in the fridge/m);
    // Text from the model or a user never drives the terminal.
    const all = await runHearth(["search", "sourdough", "--mode", "keyword"], { env });
    expect(all.stdout).toMatch(HIT_HEADER("Garden plans", "you", garden));
    expect(all.stdout).toContain("\\x1b[2J [sourdough]-friendly herbs");
    expect(all.stdout).not.toContain("\u001b");
    expect(all.stderr).toBe("");
  });

  it("filters by conversation, role, time and count, and prints the answer as JSON with --json", async () => {
    const json = await runHearth(
      ["search", "sourdough", "--json", "--conversation", kitchen, "--role", "user", "--limit", "1"],
      { env },
    );
    expect(json.code).toBe(0);
    expect(json.stderr).toBe("");
    const results = JSON.parse(json.stdout) as SearchResults;
    expect(results.rankedBy).toEqual(["keyword"]);
    expect(results.indexing).toEqual({ messagesToIndex: 0, chunksToEmbed: 0 });
    expect(results.data).toEqual([
      expect.objectContaining({ conversationId: kitchen, conversationTitle: "Kitchen", role: "user" }),
    ]);
    const replies = await runHearth(["--json", "search", "sourdough", "--role", "assistant"], { env });
    expect((JSON.parse(replies.stdout) as SearchResults).data).toEqual([]);
    const old = await runHearth(["search", "sourdough", "--from", "2000-01-01", "--to", "2000-01-02"], { env });
    expect(old.stdout).toBe("");
    expect(old.stderr).toContain("No messages found.");
  });

  it("refuses bad options before asking the server (exit 2), and shows the server's refusals (exit 1)", async () => {
    for (const args of [
      ["search", "sourdough", "--limit", "0"],
      ["search", "sourdough", "--limit", "51"],
      ["search", "sourdough", "--mode", "fuzzy"],
      ["search", "sourdough", "--role", "system"],
      ["search", "sourdough", "--conversation", "kitchen"],
      ["search", "  "],
      ["search"],
    ]) {
      const run = await runHearth(args, { env });
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toMatch(/^hearth: /);
    }
    const badDate = await runHearth(["search", "sourdough", "--from", "yesterday"], { env });
    expect(badDate.code).toBe(1);
    expect(badDate.stderr).toMatch(/from: .*\(400 validation-failed\)/);
    // No embedding model is set on this server.
    const semantic = await runHearth(["search", "sourdough", "--mode", "semantic"], { env });
    expect(semantic.code).toBe(1);
    expect(semantic.stderr).toMatch(/needs an embedding model.*\(409 semantic-search-unavailable\)/);
  });

  it.skipIf(!canRunOnTerminal)("marks the matches in bold on a terminal", async () => {
    const run = await runHearthOnTerminal(["search", "starter", "--mode", "keyword"], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("sourdough \u001b[1mstarter\u001b[22m live in the fridge");
  });
});
