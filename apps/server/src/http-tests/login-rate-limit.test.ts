import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ADMIN, signedInAdmin, startTestServer, type TestServer } from "../testing/index.ts";

const WINDOW = 60;

describe("login rate limiting", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ auth: { loginRateLimit: { perAccount: 3, perIp: 6, windowSeconds: WINDOW } } });
  });
  beforeEach(async () => {
    await server.reset();
    await signedInAdmin(server);
    await server.db.exec("TRUNCATE rate_limit_buckets");
  });
  afterAll(() => server.close());

  const attempt = (email: string, password: string) => server.client().post("/api/auth/login", { email, password });

  it("answers 429 with Retry-After once an account has too many failed attempts, until the window passes", async () => {
    for (let index = 0; index < 3; index++) expect((await attempt(ADMIN.email, "wrong password")).status).toBe(401);
    const limited = await attempt(ADMIN.email, ADMIN.password);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ code: "rate-limited", retryAfterSeconds: expect.any(Number) });
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW);

    server.clock.advance(retryAfter);
    expect((await attempt(ADMIN.email, ADMIN.password)).status).toBe(200);
  });

  it("limits one client IP across many accounts", async () => {
    for (let index = 0; index < 6; index++) {
      expect((await attempt(`guess${index}@example.com`, "wrong password")).status).toBe(401);
    }
    const limited = await attempt("another@example.com", "wrong password");
    expect(limited.status).toBe(429);
  });

  it("does not count successful logins", async () => {
    for (let index = 0; index < 8; index++) expect((await attempt(ADMIN.email, ADMIN.password)).status).toBe(200);
  });

  it("lets no more than the account limit through when guesses arrive in parallel", async () => {
    // Five stays under the per-IP limit of six, so only the per-account limit of three decides.
    const responses = await Promise.all(Array.from({ length: 5 }, () => attempt(ADMIN.email, "wrong password")));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(3);
    expect(statuses.filter((status) => status === 429)).toHaveLength(2);
  });
});
