import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signedInAdmin, signedInUser, startTestServer, TestClient, type TestServer } from "../testing/index.ts";

interface Conversation {
  id: string;
  title: string;
  model: string | null;
  createdAt: string;
  updatedAt: string;
}
interface Page {
  data: Conversation[];
  nextCursor: string | null;
}
interface Problem {
  code: string;
  issues?: { field: string; message: string }[];
}

const UNKNOWN_ID = "00000000-0000-4000-8000-000000000000";

describe("conversations", () => {
  let server: TestServer;
  let ada: TestClient;
  beforeAll(async () => {
    server = await startTestServer();
  });
  beforeEach(async () => {
    await server.reset();
    ada = await signedInAdmin(server);
  });
  afterAll(() => server.close());

  const bob = async () =>
    (await signedInUser(server, ada, { username: "bob", email: "bob@example.com", password: "bob password 1" })).client;

  /** Creates conversations one second apart, so each is newer than the last. */
  const createInOrder = async (client: TestClient, titles: string[]) => {
    const created: Conversation[] = [];
    for (const title of titles) {
      server.clock.advance(1);
      const response = await client.post<Conversation>("/api/conversations", { title });
      expect(response.status).toBe(201);
      created.push(response.body);
    }
    return created;
  };
  const titlesOf = async (client: TestClient, query = "") =>
    (await client.get<Page>(`/api/conversations${query}`)).body.data.map((conversation) => conversation.title);

  it("creates a conversation with a title and model, or with the default title and no model", async () => {
    const named = await ada.post<Conversation>("/api/conversations", {
      title: "  Trip to Lisbon ",
      model: "tiny.gguf",
    });
    expect(named.status).toBe(201);
    expect(named.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      title: "Trip to Lisbon",
      model: "tiny.gguf",
      activeMessageId: null,
      tools: [],
      toolChoice: "auto",
      systemPrompt: null,
      pinnedAt: null,
      assistantId: null,
      sampling: {},
      contextStrategy: "drop-oldest",
      temporary: false,
      createdAt: server.clock.now().toISOString(),
      updatedAt: server.clock.now().toISOString(),
    });
    const untitled = await ada.post<Conversation>("/api/conversations", {});
    expect(untitled.status).toBe(201);
    expect(untitled.body).toMatchObject({ title: "New conversation", model: null });
    expect((await ada.get(`/api/conversations/${named.body.id}`)).body).toEqual(named.body);
  });

  it("lists newest-updated first across pages, with no page repeating or skipping one", async () => {
    await createInOrder(ada, ["one", "two", "three", "four", "five"]);
    const first = await ada.get<Page>("/api/conversations?limit=2");
    expect(first.body.data.map((conversation) => conversation.title)).toEqual(["five", "four"]);
    const second = await ada.get<Page>(`/api/conversations?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.data.map((conversation) => conversation.title)).toEqual(["three", "two"]);
    const third = await ada.get<Page>(`/api/conversations?limit=2&cursor=${second.body.nextCursor}`);
    expect(third.body).toEqual({ data: [expect.objectContaining({ title: "one" })], nextCursor: null });
  });

  it("pages through conversations updated at the same instant by id", async () => {
    for (let index = 0; index < 5; index++) await ada.post("/api/conversations", { title: `same ${index}` });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? "?limit=2" : `?limit=2&cursor=${cursor}`;
      const page: Page = (await ada.get<Page>(`/api/conversations${query}`)).body;
      seen.push(...page.data.map((conversation) => conversation.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(seen).toHaveLength(5);
    expect([...seen].sort().reverse()).toEqual(seen);
  });

  it("moves a renamed conversation to the top and bumps its updatedAt", async () => {
    const [oldest] = await createInOrder(ada, ["old", "middle", "new"]);
    server.clock.advance(60);
    const renamed = await ada.patch<Conversation>(`/api/conversations/${oldest?.id}`, { title: "renamed" });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ title: "renamed", createdAt: oldest?.createdAt });
    expect(renamed.body.updatedAt).toBe(server.clock.now().toISOString());
    expect(await titlesOf(ada)).toEqual(["renamed", "new", "middle"]);
  });

  it("changes or clears the model without touching the title", async () => {
    const { body } = await ada.post<Conversation>("/api/conversations", { title: "kept" });
    const set = await ada.patch<Conversation>(`/api/conversations/${body.id}`, { model: "big.gguf" });
    expect(set.body).toMatchObject({ title: "kept", model: "big.gguf" });
    const cleared = await ada.patch<Conversation>(`/api/conversations/${body.id}`, { model: null });
    expect(cleared.body).toMatchObject({ title: "kept", model: null });
  });

  it("hides a deleted conversation from the list and GET, and lists it with ?deleted=true", async () => {
    const [gone] = await createInOrder(ada, ["gone", "kept"]);
    const deleted = await ada.delete(`/api/conversations/${gone?.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe("");
    expect(await titlesOf(ada)).toEqual(["kept"]);
    const fetched = await ada.get<Problem>(`/api/conversations/${gone?.id}`);
    expect(fetched.status).toBe(404);
    expect(fetched.body).toMatchObject({ code: "conversation-not-found", conversationId: gone?.id });
    expect(await titlesOf(ada, "?deleted=true")).toEqual(["gone"]);
    expect((await ada.patch(`/api/conversations/${gone?.id}`, { title: "x" })).status).toBe(404);
    expect((await ada.delete(`/api/conversations/${gone?.id}`)).status).toBe(404);
  });

  it("restores a deleted conversation to its old place in the list", async () => {
    const [first] = await createInOrder(ada, ["first", "second"]);
    await ada.delete(`/api/conversations/${first?.id}`);
    server.clock.advance(60);
    const restored = await ada.post<Conversation>(`/api/conversations/${first?.id}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body).toEqual(first);
    expect(await titlesOf(ada)).toEqual(["second", "first"]);
    expect(await titlesOf(ada, "?deleted=true")).toEqual([]);
    expect((await ada.get(`/api/conversations/${first?.id}`)).status).toBe(200);
  });

  it("answers 404 for another user's conversation on every route, and never lists it", async () => {
    const { body: adas } = await ada.post<Conversation>("/api/conversations", { title: "ada's" });
    const other = await bob();
    const path = `/api/conversations/${adas.id}`;
    for (const response of [
      await other.get<Problem>(path),
      await other.patch<Problem>(path, { title: "mine now" }),
      await other.delete<Problem>(path),
      await other.post<Problem>(`${path}/restore`),
    ]) {
      expect(response.status).toBe(404);
      expect(response.body.code).toBe("conversation-not-found");
    }
    expect(await titlesOf(other)).toEqual([]);
    await ada.delete(path);
    expect(await titlesOf(other, "?deleted=true")).toEqual([]);
    expect((await other.post(`${path}/restore`)).status).toBe(404);
    expect(await titlesOf(ada, "?deleted=true")).toEqual(["ada's"]);
  });

  it("works with an API key, without a CSRF token", async () => {
    const { body: apiKey } = await ada.post<{ key: string }>("/api/api-keys", { name: "script" });
    const script = new TestClient(server.url);
    const headers = { Authorization: `Bearer ${apiKey.key}` };
    const created = await script.post<Conversation>("/api/conversations", { title: "from a script" }, { headers });
    expect(created.status).toBe(201);
    expect((await script.delete(`/api/conversations/${created.body.id}`, { headers })).status).toBe(204);
    expect((await script.post(`/api/conversations/${created.body.id}/restore`, undefined, { headers })).status).toBe(
      200,
    );
    expect(await titlesOf(ada)).toEqual(["from a script"]);
  });

  it("refuses cookie-authenticated mutations without the CSRF token", async () => {
    const { body } = await ada.post<Conversation>("/api/conversations", { title: "safe" });
    const path = `/api/conversations/${body.id}`;
    for (const response of [
      await ada.post<Problem>("/api/conversations", { title: "forged" }, { csrf: false }),
      await ada.patch<Problem>(path, { title: "forged" }, { csrf: false }),
      await ada.delete<Problem>(path, { csrf: false }),
      await ada.post<Problem>(`${path}/restore`, undefined, { csrf: false }),
    ]) {
      expect(response.status).toBe(403);
      expect(response.body.code).toBe("csrf-token-invalid");
    }
    expect(await titlesOf(ada)).toEqual(["safe"]);
  });

  it("names the field when a title is empty, too long or holds control characters", async () => {
    const { body } = await ada.post<Conversation>("/api/conversations", { title: "ok" });
    const cases: [unknown, string][] = [
      [{ title: "   " }, "title"],
      [{ title: "x".repeat(201) }, "title"],
      [{ title: "line\nbreak" }, "title"],
      [{ model: "" }, "model"],
    ];
    for (const [input, field] of cases) {
      for (const response of [
        await ada.post<Problem>("/api/conversations", input),
        await ada.patch<Problem>(`/api/conversations/${body.id}`, input),
      ]) {
        expect(response.status, JSON.stringify(input)).toBe(400);
        expect(response.body).toMatchObject({ code: "validation-failed", issues: [{ field }] });
      }
    }
    expect((await ada.post("/api/conversations", { title: "x".repeat(200) })).status).toBe(201);
  });

  it("refuses a PATCH that changes nothing", async () => {
    const { body } = await ada.post<Conversation>("/api/conversations", {});
    const response = await ada.patch<Problem>(`/api/conversations/${body.id}`, {});
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      code: "validation-failed",
      issues: [{ message: expect.stringContaining("title, model") }],
    });
  });

  it("answers 400 naming id for a non-UUID id, and 404 for an unknown one", async () => {
    for (const response of [
      await ada.get<Problem>("/api/conversations/not-a-uuid"),
      await ada.patch<Problem>("/api/conversations/not-a-uuid", { title: "x" }),
      await ada.delete<Problem>("/api/conversations/not-a-uuid"),
      await ada.post<Problem>("/api/conversations/not-a-uuid/restore"),
    ]) {
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ code: "validation-failed", issues: [{ field: "id" }] });
    }
    const unknown = await ada.get<Problem>(`/api/conversations/${UNKNOWN_ID}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe("conversation-not-found");
  });

  it("answers 400 naming the parameter for a bad cursor, limit or deleted flag", async () => {
    for (const [query, field] of [
      ["?cursor=garbage", "cursor"],
      ["?limit=0", "limit"],
      ["?deleted=yes", "deleted"],
    ]) {
      const response = await ada.get<Problem>(`/api/conversations${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body).toMatchObject({ code: "validation-failed", issues: [{ field }] });
    }
  });

  it("requires signing in", async () => {
    const anonymous = server.client();
    expect((await anonymous.get("/api/conversations")).status).toBe(401);
    expect((await anonymous.post("/api/conversations", {})).status).toBe(401);
  });
});
