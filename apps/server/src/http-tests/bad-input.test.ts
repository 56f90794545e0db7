import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signedInAdmin, startTestServer, type TestClient, type TestServer } from "../testing/index.ts";

const LIMIT = 4096;

describe("bad input", () => {
  let server: TestServer;
  let admin: TestClient;
  beforeAll(async () => {
    server = await startTestServer({ server: { bodyLimitBytes: LIMIT } });
  });
  beforeEach(async () => {
    await server.reset();
    admin = await signedInAdmin(server);
  });
  afterAll(() => server.close());

  const expectProblem = (
    response: { status: number; headers: Headers; body: unknown },
    status: number,
    code: string,
  ) => {
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.body).toMatchObject({
      type: `urn:hearth:problem:${code}`,
      status,
      code,
      title: expect.any(String),
    });
    expect(JSON.stringify(response.body)).not.toMatch(/at .+\.ts:\d+/);
  };

  it("answers malformed JSON with 400 malformed-json", async () => {
    const response = await admin.request("POST", "/api/api-keys", {
      body: '{"name": "unterminated',
      headers: { "Content-Type": "application/json" },
    });
    expectProblem(response, 400, "malformed-json");
  });

  it("answers a body over the configured limit with 413, and stores nothing", async () => {
    const response = await admin.post("/api/api-keys", { name: "x".repeat(LIMIT * 2) });
    expectProblem(response, 413, "payload-too-large");
    expect(response.body).toMatchObject({ limitBytes: LIMIT });
    expect((await admin.get<{ data: unknown[] }>("/api/api-keys")).body.data).toEqual([]);
  });

  it("answers a body that is not JSON with 415", async () => {
    const response = await admin.request("POST", "/api/api-keys", {
      body: "name=x",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expectProblem(response, 415, "unsupported-media-type");
  });

  it("names each missing or wrong field", async () => {
    const response = await server.client().post("/api/auth/login", { email: 42 });
    expectProblem(response, 400, "validation-failed");
    expect(response.body).toMatchObject({
      target: "body",
      issues: [{ field: "email" }, { field: "password", message: "is required" }],
    });
    expect((response.body as { detail: string }).detail).toMatch(/email: .*password: is required/);
  });

  it("answers an unknown route with a 404 problem", async () => {
    expectProblem(await admin.get("/api/no-such-thing"), 404, "route-not-found");
  });

  it("refuses control characters in names instead of failing in the database", async () => {
    const response = await admin.post("/api/api-keys", { name: "bad\u0000name" });
    expectProblem(response, 400, "validation-failed");
    expect(response.body).toMatchObject({ issues: [{ field: "name" }] });
  });

  it("stores hostile-looking text as plain data", async () => {
    const name = `'); DROP TABLE users; -- <script>alert(1)</script> 🔥`;
    const created = await admin.post<{ name: string }>("/api/api-keys", { name });
    expect(created.status).toBe(201);
    expect(created.body.name).toBe(name);
    expect((await admin.get("/api/auth/me")).status).toBe(200);
  });

  it("ignores unknown fields rather than storing them", async () => {
    const created = await admin.post("/api/api-keys", { name: "ok", userId: "someone-else", role: "admin" });
    expect(created.status).toBe(201);
    expect(created.body).not.toHaveProperty("userId");
  });

  it("sends the security headers on every response, errors included", async () => {
    for (const response of [
      await admin.get("/api/auth/me"),
      await admin.get("/nowhere"),
      await admin.get("/healthz"),
    ]) {
      const csp = response.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain("unsafe-inline");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("x-frame-options")).toBe("DENY");
      expect(response.headers.get("x-request-id")).toBeTruthy();
      expect(response.headers.get("strict-transport-security")).toBeNull();
    }
  });
});

describe("a failure inside a request", () => {
  it("answers 500 with a plain problem and the request id, never a stack trace", async () => {
    const logLines: string[] = [];
    const server = await startTestServer({}, { logLines });
    const admin = await signedInAdmin(server);
    await server.db.close();
    const response = await admin.get<{ requestId: string; detail: string }>("/api/api-keys");
    expect(response.status).toBe(500);
    expect(response.body).toMatchObject({ code: "internal-error", status: 500 });
    expect(response.body.detail).toContain(response.body.requestId);
    expect(response.text).not.toMatch(/\.ts:\d+|closed|PGlite/i);
    const logged = logLines.map((line) => JSON.parse(line)).find((line) => line.msg === "unhandled error");
    expect(logged).toMatchObject({ requestId: response.body.requestId, err: { message: expect.any(String) } });
    await server.close().catch(() => {});
  });
});
