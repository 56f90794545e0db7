import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ADMIN,
  signedInAdmin,
  signedInUser,
  startTestServer,
  type TestClient,
  type TestServer,
} from "../testing/index.ts";

const BOB = { username: "bob", email: "bob@example.com", password: "bob password 1" };

describe("admin user management", () => {
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

  it("creates users with the user role by default and lists them oldest first, page by page", async () => {
    server.clock.advance(1);
    const created = await admin.post("/api/admin/users", BOB);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: "bob", email: "bob@example.com", role: "user", disabled: false });
    expect(created.text).not.toContain("password");
    for (const name of ["carol", "dave", "erin"]) {
      server.clock.advance(1);
      await admin.post("/api/admin/users", {
        username: name,
        email: `${name}@example.com`,
        password: "long enough pw",
      });
    }
    const first = await admin.get<{ data: { username: string }[]; nextCursor: string }>("/api/admin/users?limit=2");
    expect(first.body.data.map((user) => user.username)).toEqual(["ada", "bob"]);
    const second = await admin.get<{ data: { username: string }[]; nextCursor: string | null }>(
      `/api/admin/users?limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.data.map((user) => user.username)).toEqual(["carol", "dave"]);
    const last = await admin.get<{ data: { username: string }[]; nextCursor: string | null }>(
      `/api/admin/users?limit=2&cursor=${second.body.nextCursor}`,
    );
    expect(last.body).toMatchObject({ data: [{ username: "erin" }], nextCursor: null });
  });

  it("refuses a duplicate email or username with 409, whatever the case", async () => {
    await admin.post("/api/admin/users", BOB);
    const sameEmail = await admin.post("/api/admin/users", { ...BOB, username: "bobby", email: "BOB@example.com" });
    expect(sameEmail.status).toBe(409);
    expect(sameEmail.body).toMatchObject({ code: "email-taken", email: "bob@example.com" });
    const sameName = await admin.post("/api/admin/users", { ...BOB, username: "BOB", email: "other@example.com" });
    expect(sameName.status).toBe(409);
    expect(sameName.body).toMatchObject({ code: "username-taken" });
  });

  it("creates exactly one user when the same email is submitted concurrently", async () => {
    const attempts = await Promise.all(
      Array.from({ length: 5 }, (_, index) => admin.post("/api/admin/users", { ...BOB, username: `bob${index}` })),
    );
    expect(attempts.map((attempt) => attempt.status).sort()).toEqual([201, 409, 409, 409, 409]);
  });

  it("locks a disabled user out: sessions end, API keys stop, login is refused; enabling lets them back", async () => {
    const { client: bob, id } = await signedInUser(server, admin, BOB);
    const key = (await bob.post<{ key: string }>("/api/api-keys", { name: "bob's" })).body.key;
    const disabled = await admin.patch(`/api/admin/users/${id}`, { disabled: true });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ disabled: true });

    expect((await bob.get("/api/auth/me")).status).toBe(401);
    expect((await server.client().get("/api/auth/me", { headers: { Authorization: `Bearer ${key}` } })).status).toBe(
      401,
    );
    const login = await server.client().post("/api/auth/login", { email: BOB.email, password: BOB.password });
    expect(login.status).toBe(401);
    expect(login.body).toMatchObject({ code: "invalid-credentials" });

    await admin.patch(`/api/admin/users/${id}`, { disabled: false });
    expect((await server.client().logIn(BOB.email, BOB.password)).status).toBe(200);
  });

  it("answers a disabled user's right password exactly as a wrong one, so it cannot be told apart (issue item 5)", async () => {
    const { id } = await signedInUser(server, admin, BOB);
    await admin.patch(`/api/admin/users/${id}`, { disabled: true });
    const right = await server.client().post("/api/auth/login", { email: BOB.email, password: BOB.password });
    const wrong = await server.client().post("/api/auth/login", { email: BOB.email, password: "wrong password" });
    expect(right.status).toBe(401);
    expect(right.headers.get("content-type")).toBe("application/problem+json");
    const withoutRequestId = ({ requestId: _, ...body }: Record<string, unknown>) => body;
    expect(withoutRequestId(right.body)).toEqual(withoutRequestId(wrong.body));
    expect(right.body).toMatchObject({ code: "invalid-credentials" });
  });

  it("forbids a non-admin every admin route with 403", async () => {
    const { client: bob, id } = await signedInUser(server, admin, BOB);
    for (const response of [
      await bob.get("/api/admin/users"),
      await bob.post("/api/admin/users", { username: "x", email: "x@example.com", password: "long enough pw" }),
      await bob.patch(`/api/admin/users/${id}`, { role: "admin" }),
    ]) {
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ code: "admin-required" });
    }
  });

  it("keeps at least one active admin", async () => {
    const me = await admin.get<{ user: { id: string } }>("/api/auth/me");
    const demote = await admin.patch(`/api/admin/users/${me.body.user.id}`, { role: "user" });
    expect(demote.status).toBe(409);
    expect(demote.body).toMatchObject({ code: "last-admin" });
    expect((await admin.patch(`/api/admin/users/${me.body.user.id}`, { disabled: true })).status).toBe(409);

    const { id } = await signedInUser(server, admin, { ...BOB, role: "admin" });
    expect((await admin.patch(`/api/admin/users/${id}`, { role: "user" })).status).toBe(200);
  });

  it("answers 404 for an unknown user id and 400 naming the field for bad input", async () => {
    const unknown = await admin.patch("/api/admin/users/00000000-0000-4000-8000-000000000000", { role: "admin" });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: "user-not-found" });

    const badRole = await admin.post("/api/admin/users", { ...BOB, role: "root" });
    expect(badRole.status).toBe(400);
    expect(badRole.body).toMatchObject({ code: "validation-failed", issues: [{ field: "role" }] });

    const shortPassword = await admin.post("/api/admin/users", { ...BOB, password: "short" });
    expect(shortPassword.body).toMatchObject({
      issues: [{ field: "password", message: "must be at least 8 characters" }],
    });

    const badEmail = await admin.post("/api/admin/users", { ...BOB, email: "not an email" });
    expect(badEmail.body).toMatchObject({ issues: [{ field: "email", message: "must be an email address" }] });

    const nothing = await admin.patch("/api/admin/users/00000000-0000-4000-8000-000000000000", {});
    expect(nothing.status).toBe(400);

    const badCursor = await admin.get("/api/admin/users?cursor=garbage");
    expect(badCursor.status).toBe(400);
    expect(badCursor.body).toMatchObject({ issues: [{ field: "cursor" }] });

    const badLimit = await admin.get("/api/admin/users?limit=100000");
    expect(badLimit.body).toMatchObject({ issues: [{ field: "limit" }] });
  });

  it("signs the admin in with the setup credentials", async () => {
    expect((await server.client().logIn(ADMIN.email, ADMIN.password)).status).toBe(200);
  });
});
