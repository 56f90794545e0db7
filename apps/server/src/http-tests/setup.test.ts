import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, startTestServer, type TestServer } from "../testing/index.ts";

describe("first-run setup", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it("reports not set up, creates the first admin once, then answers 409", async () => {
    const client = server.client();
    expect((await client.get("/api/setup")).body).toEqual({ isSetup: false });

    const created = await client.post<{ user: { role: string; email: string } }>("/api/setup", {
      ...ADMIN,
      email: "Ada@Example.com",
    });
    expect(created.status).toBe(201);
    expect(created.body.user).toMatchObject({ role: "admin", email: "ada@example.com" });
    expect((await client.get("/api/setup")).body).toEqual({ isSetup: true });

    const again = await client.post("/api/setup", { ...ADMIN, email: "eve@example.com", username: "eve" });
    expect(again.status).toBe(409);
    expect(again.headers.get("content-type")).toBe("application/problem+json");
    expect(again.body).toMatchObject({ status: 409, code: "setup-already-done" });
  });
});

describe("first-run setup under concurrency", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it("creates exactly one admin when several setups race", async () => {
    const attempts = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        server.client().post("/api/setup", {
          username: `admin${index}`,
          email: `admin${index}@example.com`,
          password: "long enough pw",
        }),
      ),
    );
    expect(attempts.map((attempt) => attempt.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
    const { rows } = await server.db.query<{ count: number }>("SELECT count(*) AS count FROM users");
    expect(rows[0]?.count).toBe(1);
  });

  it("stores the password as an argon2id hash, never in clear", async () => {
    const { rows } = await server.db.query<{ password_hash: string }>("SELECT password_hash FROM users");
    expect(rows[0]?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });
});
