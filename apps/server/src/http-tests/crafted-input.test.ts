import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createConversation,
  signedInAdmin,
  startTestServer,
  type TestClient,
  type TestResponse,
  type TestServer,
} from "../testing/index.ts";

const SOME_ID = "8c1f0f8e-0000-4000-8000-000000000001";
const base64url = (text: string) => Buffer.from(text, "utf8").toString("base64url");
const keyset = (at: unknown, id: unknown) => base64url(JSON.stringify([at, id]));

/** A 400 validation-failed whose issues all name `field` (zod may report one field twice). */
function expectFieldRefused(response: TestResponse, field: string, context: string) {
  expect(response.status, `${context}: ${response.text}`).toBe(400);
  const body = response.body as { code: string; issues: { field: string }[] };
  expect(body.code, context).toBe("validation-failed");
  expect(body.issues.length, context).toBeGreaterThan(0);
  for (const issue of body.issues) expect(issue.field, context).toBe(field);
}

/** Cursors a client could craft, none of which any list ever returned (issue #4). */
const CRAFTED_CURSORS: Record<string, string> = {
  "an id that is not a UUID": keyset("2026-01-01T00:00:00.000Z", "not-a-uuid"),
  "the latest date JavaScript knows": keyset("+275760-09-13T00:00:00.000Z", SOME_ID),
  "a date before year 1": keyset("-000001-01-01T00:00:00Z", SOME_ID),
  "year 0": keyset("0000-01-01T00:00:00.000Z", SOME_ID),
  "a date JavaScript reads loosely": keyset("1", SOME_ID),
  "a date with a NUL": keyset("2026-01-01T00:00:00.000Z\u0000", SOME_ID),
  "an id with a NUL": keyset("2026-01-01T00:00:00.000Z", `${SOME_ID}\u0000`),
  "full-width digits": keyset("２０２６-01-01T00:00:00.000Z", SOME_ID),
  "an emoji id": keyset("2026-01-01T00:00:00.000Z", "🔥"),
  "a huge number": keyset(1e308, SOME_ID),
  "a number past float range": base64url(`[1e400, "${SOME_ID}"]`),
  "an object": base64url(JSON.stringify({ at: "2026-01-01T00:00:00.000Z", id: SOME_ID })),
  "an empty array": base64url("[]"),
  null: base64url("null"),
  "not base64": "!!!***",
  "not JSON": base64url("[2026-01-01, x"),
  "an empty string": "",
};

describe("crafted pagination cursors", () => {
  let server: TestServer;
  let admin: TestClient;
  let conversationId: string;
  beforeAll(async () => {
    server = await startTestServer();
    admin = await signedInAdmin(server);
    conversationId = await createConversation(admin, { title: "paged" });
  });
  afterAll(() => server.close());

  const listRoutes = () => [
    "/api/conversations",
    "/api/conversations?deleted=true",
    `/api/conversations/${conversationId}/messages`,
    `/api/conversations/${conversationId}/tree`,
    "/api/admin/users",
  ];

  for (const [name, cursor] of Object.entries(CRAFTED_CURSORS)) {
    it(`answers a cursor holding ${name} with 400 validation-failed naming cursor on every list`, async () => {
      for (const route of listRoutes()) {
        const separator = route.includes("?") ? "&" : "?";
        const response = await admin.get(`${route}${separator}cursor=${encodeURIComponent(cursor)}`);
        expectFieldRefused(response, "cursor", route);
        expect(response.body, route).toMatchObject({ target: "query" });
      }
    });
  }

  it("still accepts the cursors the lists return", async () => {
    for (const title of ["a", "b", "c"]) await createConversation(admin, { title });
    const first = await admin.get<{ nextCursor: string }>("/api/conversations?limit=2");
    const second = await admin.get(`/api/conversations?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.status).toBe(200);
  });
});

describe("other crafted input that reaches the database", () => {
  let server: TestServer;
  let admin: TestClient;
  beforeAll(async () => {
    server = await startTestServer();
  });
  beforeEach(async () => {
    await server.reset();
    admin = await signedInAdmin(server);
  });
  afterAll(() => server.close());

  it("answers ids that are not UUIDs with 400 naming id", async () => {
    for (const id of ["not-a-uuid", "1", "8c1f0f8e-0000-4000-8000-00000000000g", "%00", "🔥"]) {
      const response = await admin.get(`/api/conversations/${encodeURIComponent(id)}`);
      expectFieldRefused(response, "id", id);
    }
  });

  it("answers a parentId that is not a UUID with 400 naming parentId", async () => {
    const conversationId = await createConversation(admin);
    const response = await admin.post(`/api/conversations/${conversationId}/messages`, {
      content: "hello",
      parentId: "x'; --",
    });
    expectFieldRefused(response, "parentId", "parentId");
  });

  it("answers limits out of range or not integers with 400 naming limit", async () => {
    for (const limit of ["0", "-1", "1e400", "99999999999999999999", "1.5", "NaN", "abc"]) {
      const response = await admin.get(`/api/conversations?limit=${limit}`);
      expectFieldRefused(response, "limit", limit);
    }
  });

  it("answers a Last-Event-ID past the integer range with 400", async () => {
    const conversationId = await createConversation(admin);
    for (const lastEventId of ["99999999999999999999", "-1", "1e3"]) {
      const response = await admin.get(`/api/conversations/${conversationId}/events?lastEventId=${lastEventId}`);
      expect(response.status, lastEventId).toBe(400);
      expect(response.body).toMatchObject({ code: "validation-failed" });
    }
  });

  it("answers NUL bytes in text fields with 400 naming the field", async () => {
    const conversationId = await createConversation(admin);
    const cases: [string, string, Record<string, unknown>, string][] = [
      ["POST", "/api/conversations", { title: "a\u0000b" }, "title"],
      ["POST", "/api/conversations", { model: "m\u0000" }, "model"],
      ["PATCH", `/api/conversations/${conversationId}`, { title: "\u0000" }, "title"],
      ["POST", `/api/conversations/${conversationId}/messages`, { content: "hi\u0000" }, "content"],
      [
        "POST",
        "/api/admin/users",
        { username: "u\u0000", email: "u@example.com", password: "long enough" },
        "username",
      ],
      ["POST", "/api/admin/users", { username: "u", email: "u\u0000@example.com", password: "long enough" }, "email"],
      ["POST", "/api/api-keys", { name: "k\u0000" }, "name"],
    ];
    for (const [method, path, json, field] of cases) {
      const response = await admin.request(method, path, { json });
      expectFieldRefused(response, field, `${method} ${path}`);
    }
  });
});
