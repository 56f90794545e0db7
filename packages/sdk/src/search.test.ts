import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestModel } from "@hearth/engine/testing";
import { ADMIN, startTestServer, type TestServer } from "@hearth/server/testing";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it, vi } from "vitest";
import { createHearthClient, type HearthClient } from "./create-hearth-client.ts";
import type { components } from "./generated/openapi.ts";
import { HearthError, isHearthError } from "./hearth-error.ts";
import { sendMessage } from "./stream-reply.ts";
import { unwrap } from "./unwrap.ts";

type SearchHit = components["schemas"]["SearchHit"];

describe("searching messages through the SDK, against a real server", () => {
  let modelsDir: string;
  let server: TestServer;
  let admin: HearthClient;
  let conversationId: string;
  let questionId: string;

  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-sdk-search-"));
    await writeTestModel(join(modelsDir, "tiny.gguf"));
    server = await startTestServer({
      modelsDir,
      engine: { gpu: "off", contextSize: 512 },
      chat: { maxReplyTokens: 4 },
      search: { indexCheckMs: 50 },
    });
    admin = createHearthClient({ baseUrl: server.url });
    unwrap(await admin.api.POST("/api/setup", { body: ADMIN }));
    unwrap(await admin.api.POST("/api/auth/login", { body: { email: ADMIN.email, password: ADMIN.password } }));
    conversationId = unwrap(await admin.api.POST("/api/conversations", { body: { title: "Greenhouse" } })).id;
    const reply = await sendMessage(admin, conversationId, { content: "Which tomatoes ripen in a cold greenhouse?" });
    questionId = reply.started.userMessage.id;
    for await (const _event of reply.events);
    // The server's sweep indexes finished messages within moments.
    await vi.waitFor(
      async () => {
        const { indexing } = unwrap(await admin.api.GET("/api/search", { params: { query: { q: "tomatoes" } } }));
        expect(indexing.messagesToIndex).toBe(0);
      },
      { timeout: 30_000, interval: 50 },
    );
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it("finds a message by a word of it, with typed hits whose highlights mark the word", async () => {
    const found = unwrap(
      await admin.api.GET("/api/search", { params: { query: { q: "tomato", mode: "keyword", role: "user" } } }),
    );
    expectTypeOf(found.data).toEqualTypeOf<SearchHit[]>();
    expectTypeOf(found.rankedBy).toEqualTypeOf<("keyword" | "semantic")[]>();
    expect(found.rankedBy).toEqual(["keyword"]);
    expect(found.data).toHaveLength(1);
    const [hit] = found.data as [SearchHit];
    expect(hit).toMatchObject({
      messageId: questionId,
      conversationId,
      conversationTitle: "Greenhouse",
      role: "user",
      model: null,
      matchedBy: ["keyword"],
    });
    expect(hit.highlights.map(({ start, end }) => hit.snippet.slice(start, end))).toEqual(["tomatoes"]);
  });

  it("throws a bad query as a HearthError naming the field, and types the problems the route declares", async () => {
    const thrown = await admin.api
      .GET("/api/search", { params: { query: { q: "tomato", limit: 51 } } })
      .then(unwrap)
      .catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(HearthError);
    expect(isHearthError(thrown, "validation-failed")).toBe(true);
    expect((thrown as HearthError).problem.issues).toEqual([expect.objectContaining({ field: "limit" })]);

    // No embedding model is set: searching by meaning alone is refused, a hybrid search answers by keyword.
    const semantic = await admin.api.GET("/api/search", { params: { query: { q: "tomato", mode: "semantic" } } });
    expect(semantic.response.status).toBe(409);
    expect(semantic.error?.code).toBe("semantic-search-unavailable");
    expectTypeOf<NonNullable<typeof semantic.error>["code"]>().toEqualTypeOf<
      | "internal-error"
      | "node-draining"
      | "payload-too-large"
      | "rate-limited"
      | "semantic-search-unavailable"
      | "service-starting"
      | "unauthenticated"
      | "validation-failed"
    >();
    const hybrid = unwrap(await admin.api.GET("/api/search", { params: { query: { q: "tomato" } } }));
    expect(hybrid.rankedBy).toEqual(["keyword"]);
  });
});
