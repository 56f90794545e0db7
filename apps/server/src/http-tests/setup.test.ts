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
