import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signedInAdmin, signedInUser, startTestServer, type TestClient, type TestServer } from "../testing/index.ts";

interface Conversation {
  id: string;
  title: string;
  pinnedAt: string | null;
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

describe("the conversation list: title filter and pins", () => {
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

  /** Creates conversations one second apart, so each is newer than the last. */
  const createInOrder = async (client: TestClient, titles: string[]) => {
    const created: Conversation[] = [];
    for (const title of titles) {
      server.clock.advance(1);
      const response = await client.post<Conversation>("/api/conversations", { title });
      expect(response.status, response.text).toBe(201);
      created.push(response.body);
    }
    return created;
  };
  const titlesOf = async (client: TestClient, query: Record<string, string> = {}) => {
    const response = await client.get<Page>(`/api/conversations?${new URLSearchParams(query)}`);
    expect(response.status, response.text).toBe(200);
    return response.body.data.map((conversation) => conversation.title);
  };
  /** Every title of the list, page by page (`limit` a page), checking no page repeats one. */
  const allTitles = async (client: TestClient, query: Record<string, string>) => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const params = new URLSearchParams({ ...query, ...(cursor === null ? {} : { cursor }) });
      const page: Page = (await client.get<Page>(`/api/conversations?${params}`)).body;
      seen.push(...page.data.map((conversation) => conversation.title));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(new Set(seen).size).toBe(seen.length);
    return seen;
  };
  const pin = (client: TestClient, id: string | undefined, pinned = true) =>
    client.patch<Conversation & Problem>(`/api/conversations/${id}`, { pinned });

  it("filters by title ignoring case, newest first", async () => {
    await createInOrder(ada, ["Trip to Lisbon", "Groceries", "lisbon restaurants", "LISBON by night"]);
    expect(await titlesOf(ada, { q: "lisbon" })).toEqual(["LISBON by night", "lisbon restaurants", "Trip to Lisbon"]);
    expect(await titlesOf(ada, { q: "  GROC " })).toEqual(["Groceries"]);
    expect(await titlesOf(ada, { q: "Madrid" })).toEqual([]);
  });

  it("matches %, _ and \\ in the filter as themselves, not as wildcards", async () => {
    await createInOrder(ada, ["100% sure", "100 percent", "snake_case", "snakeXcase", "back\\slash", "backslash"]);
    expect(await titlesOf(ada, { q: "%" })).toEqual(["100% sure"]);
    expect(await titlesOf(ada, { q: "100%" })).toEqual(["100% sure"]);
    expect(await titlesOf(ada, { q: "_" })).toEqual(["snake_case"]);
    expect(await titlesOf(ada, { q: "snake_" })).toEqual(["snake_case"]);
    expect(await titlesOf(ada, { q: "\\" })).toEqual(["back\\slash"]);
    expect(await titlesOf(ada, { q: "%_%" })).toEqual([]);
  });

  it("treats SQL in the filter as text to find", async () => {
    await createInOrder(ada, ["plain", "it's' OR '1'='1"]);
    expect(await titlesOf(ada, { q: "' OR '1'='1" })).toEqual(["it's' OR '1'='1"]);
    expect(await titlesOf(ada, { q: "'; DROP TABLE conversations; --" })).toEqual([]);
    expect(await titlesOf(ada)).toEqual(["it's' OR '1'='1", "plain"]);
  });

  it("lists everything for an empty or blank filter", async () => {
    await createInOrder(ada, ["one", "two"]);
    expect(await titlesOf(ada, { q: "" })).toEqual(["two", "one"]);
    expect(await titlesOf(ada, { q: "   " })).toEqual(["two", "one"]);
  });

  it("pages through a filtered list by its cursor, with none repeated or skipped", async () => {
    const titles = Array.from({ length: 7 }, (_, index) => `match ${index}`);
    await createInOrder(
      ada,
      titles.flatMap((title, index) => [title, `other ${index}`]),
    );
    expect(await allTitles(ada, { q: "MATCH", limit: "2" })).toEqual([...titles].reverse());
  });

  it("answers 400 naming q for a filter that is too long or holds control characters", async () => {
    for (const q of ["x".repeat(1000), "x".repeat(201), "line\nbreak", "nul\u0000", "bell\u0007"]) {
      const response = await ada.get<Problem>(`/api/conversations?${new URLSearchParams({ q })}`);
      expect(response.status, JSON.stringify(q.slice(0, 20))).toBe(400);
      expect(response.body).toMatchObject({ code: "validation-failed", issues: [{ field: "q" }] });
    }
    expect(await titlesOf(ada, { q: "x".repeat(200) })).toEqual([]);
  });

  it("filters the deleted list too", async () => {
    const [gone, alsoGone] = await createInOrder(ada, ["gone fishing", "gone shopping", "kept fishing"]);
    await ada.delete(`/api/conversations/${gone?.id}`);
    await ada.delete(`/api/conversations/${alsoGone?.id}`);
    expect(await titlesOf(ada, { q: "fishing" })).toEqual(["kept fishing"]);
    expect(await titlesOf(ada, { q: "fishing", deleted: "true" })).toEqual(["gone fishing"]);
  });

  it("never finds another user's conversations by filter", async () => {
    await createInOrder(ada, ["secret plans"]);
    const bob = await signedInUser(server, ada, {
      username: "bob",
      email: "bob@example.com",
      password: "bob password 1",
    });
    expect(await titlesOf(bob.client, { q: "secret" })).toEqual([]);
    expect(await titlesOf(bob.client, { q: "%" })).toEqual([]);
  });

  it("lists pinned conversations first, keeping their place in time, and unpins them back into it", async () => {
    const [oldest, middle] = await createInOrder(ada, ["oldest", "middle", "newest"]);
    server.clock.advance(60);
    const pinned = await pin(ada, oldest?.id);
    expect(pinned.status, pinned.text).toBe(200);
    expect(pinned.body.pinnedAt).toBe(server.clock.now().toISOString());
    expect(pinned.body.updatedAt).toBe(oldest?.updatedAt);
    await pin(ada, middle?.id);
    expect(await titlesOf(ada)).toEqual(["middle", "oldest", "newest"]);

    server.clock.advance(60);
    const again = await pin(ada, oldest?.id);
    expect(again.body.pinnedAt).toBe(pinned.body.pinnedAt);

    const unpinned = await pin(ada, middle?.id, false);
    expect(unpinned.status).toBe(200);
    expect(unpinned.body).toMatchObject({ pinnedAt: null, updatedAt: middle?.updatedAt });
    expect(await titlesOf(ada)).toEqual(["oldest", "newest", "middle"]);
    expect((await ada.get<Conversation>(`/api/conversations/${oldest?.id}`)).body.pinnedAt).toBe(pinned.body.pinnedAt);
  });

  it("moves a renamed pinned conversation to the top of the pinned ones, still pinned", async () => {
    const [first, second] = await createInOrder(ada, ["first", "second", "third"]);
    await pin(ada, first?.id);
    await pin(ada, second?.id);
    expect(await titlesOf(ada)).toEqual(["second", "first", "third"]);
    server.clock.advance(1);
    const renamed = await ada.patch<Conversation>(`/api/conversations/${first?.id}`, { title: "first, renamed" });
    expect(renamed.body.pinnedAt).not.toBeNull();
    expect(await titlesOf(ada)).toEqual(["first, renamed", "second", "third"]);
  });

  it("pages across the pinned and unpinned parts of the list with none repeated or skipped", async () => {
    const created = await createInOrder(
      ada,
      Array.from({ length: 9 }, (_, index) => `c${index}`),
    );
    for (const index of [1, 4, 6]) await pin(ada, created[index]?.id);
    const expected = ["c6", "c4", "c1", "c8", "c7", "c5", "c3", "c2", "c0"];
    for (const limit of ["1", "2", "3", "4", "50"]) expect(await allTitles(ada, { limit }), limit).toEqual(expected);
    expect(await allTitles(ada, { limit: "1", q: "c" })).toEqual(expected);
  });

  it("answers 404 for pinning another user's, a deleted or an unknown conversation", async () => {
    const [adas, deleted] = await createInOrder(ada, ["ada's", "deleted"]);
    await ada.delete(`/api/conversations/${deleted?.id}`);
    const bob = await signedInUser(server, ada, {
      username: "bob",
      email: "bob@example.com",
      password: "bob password 1",
    });
    for (const response of [
      await pin(bob.client, adas?.id),
      await pin(bob.client, adas?.id, false),
      await pin(ada, deleted?.id),
      await pin(ada, "00000000-0000-4000-8000-000000000000"),
    ]) {
      expect(response.status).toBe(404);
      expect(response.body.code).toBe("conversation-not-found");
    }
    expect((await ada.get<Conversation>(`/api/conversations/${adas?.id}`)).body.pinnedAt).toBeNull();
  });

  it("answers 400 naming pinned when it is not a boolean", async () => {
    const [conversation] = await createInOrder(ada, ["one"]);
    for (const pinned of ["yes", 1, null, {}]) {
      const response = await ada.patch<Problem>(`/api/conversations/${conversation?.id}`, { pinned });
      expect(response.status, JSON.stringify(pinned)).toBe(400);
      expect(response.body).toMatchObject({ code: "validation-failed", issues: [{ field: "pinned" }] });
    }
  });

  it("renames with the title trimmed, and refuses a blank, long, multi-line or non-text title naming title", async () => {
    const [conversation] = await createInOrder(ada, ["before"]);
    const path = `/api/conversations/${conversation?.id}`;
    const renamed = await ada.patch<Conversation>(path, { title: "  after  " });
    expect(renamed.body.title).toBe("after");
    for (const title of ["", "   ", "x".repeat(201), "two\nlines", "tab\there", 42, null]) {
      const response = await ada.patch<Problem>(path, { title });
      expect(response.status, JSON.stringify(title)).toBe(400);
      expect(response.body).toMatchObject({ code: "validation-failed", issues: [{ field: "title" }] });
    }
    expect(await titlesOf(ada)).toEqual(["after"]);
  });

  it("refuses a cursor from before pins (a bare keyset) and one for an unknown part of the list", async () => {
    const [conversation] = await createInOrder(ada, ["one", "two", "three"]);
    const first = await ada.get<Page>("/api/conversations?limit=1");
    const cursor = first.body.nextCursor ?? "";
    expect(cursor).toMatch(/^u\./);
    const keyset = Buffer.from(JSON.stringify([conversation?.updatedAt, conversation?.id])).toString("base64url");
    for (const crafted of [keyset, `x.${keyset}`, `p.${cursor}`, "p.", "u.garbage"]) {
      const response = await ada.get<Problem>(`/api/conversations?cursor=${encodeURIComponent(crafted)}`);
      expect(response.status, crafted).toBe(400);
      expect(response.body).toMatchObject({ code: "validation-failed", issues: [{ field: "cursor" }] });
    }
  });
});
