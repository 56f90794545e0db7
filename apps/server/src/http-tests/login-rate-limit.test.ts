import { request } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ADMIN, signedInAdmin, startTestServer, type TestServer } from "../testing/index.ts";

const WINDOW = 60;

/**
 * Posts a login from a chosen source address: on Linux all of 127.0.0.0/8 reaches a server listening
 * on 127.0.0.1, so each address is a distinct client as the server sees it.
 */
function logInFrom(
  server: TestServer,
  localAddress: string,
  credentials: { email: string; password: string },
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = new URL("/api/auth/login", server.url);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { method: "POST", localAddress, headers: { "Content-Type": "application/json", ...headers } },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          text += chunk;
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    outgoing.on("error", reject);
    outgoing.end(JSON.stringify(credentials));
  });
}

const WRONG = { email: ADMIN.email, password: "wrong password" };
const RIGHT = { email: ADMIN.email, password: ADMIN.password };

describe("login rate limiting", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      auth: { loginRateLimit: { perAccount: 3, perIp: 6, slowDownAfter: 100, windowSeconds: WINDOW } },
    });
  });
  beforeEach(async () => {
    await server.reset();
    await signedInAdmin(server);
    await server.db.exec("TRUNCATE rate_limit_buckets");
  });
  afterAll(() => server.close());

  const attempt = (email: string, password: string) => server.client().post("/api/auth/login", { email, password });

  it("answers 429 with Retry-After once an account has too many failed attempts from one address, until the window passes", async () => {
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

  it("lets the owner sign in from another address while a guesser's address stays locked out of the account (issue item 5)", async () => {
    for (let index = 0; index < 3; index++) expect((await logInFrom(server, "127.0.0.2", WRONG)).status).toBe(401);
    expect((await logInFrom(server, "127.0.0.2", RIGHT)).status).toBe(429);

    const owner = await logInFrom(server, "127.0.0.3", RIGHT);
    expect(owner.status).toBe(200);

    const guesser = await logInFrom(server, "127.0.0.2", WRONG);
    expect(guesser.status).toBe(429);
    expect(guesser.body).toMatchObject({ code: "rate-limited" });
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

describe("login rate limiting across many addresses", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      auth: { loginRateLimit: { perAccount: 2, perIp: 50, slowDownAfter: 4, windowSeconds: WINDOW } },
    });
    await signedInAdmin(server);
  });
  afterAll(() => server.close());

  it("slows down but never refuses the owner once guesses from many addresses pass the account's ceiling (issue item 5)", async () => {
    for (const address of ["127.0.0.2", "127.0.0.3", "127.0.0.4"]) {
      for (let index = 0; index < 2; index++) expect((await logInFrom(server, address, WRONG)).status).toBe(401);
    }
    // Six failures: past the ceiling of four, every attempt on the account is answered late, not refused.
    expect((await logInFrom(server, "127.0.0.5", WRONG)).status).toBe(401);
    expect((await logInFrom(server, "127.0.0.6", RIGHT)).status).toBe(200);
  });
});

describe("login behind a trusted proxy", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      server: { trustProxy: true },
      auth: { loginRateLimit: { perAccount: 3, perIp: 6, windowSeconds: WINDOW } },
    });
    await signedInAdmin(server);
  });
  afterAll(() => server.close());

  it("keys attempts on the address the proxy saw, so rotating the leftmost X-Forwarded-For entry gains nothing (issue item 5)", async () => {
    const statuses: number[] = [];
    for (let index = 0; index < 8; index++) {
      const forwardedFor = `10.9.8.${index}, 203.0.113.7`;
      const response = await server
        .client()
        .post(
          "/api/auth/login",
          { email: `guess${index}@example.com`, password: "wrong password" },
          { headers: { "X-Forwarded-For": forwardedFor } },
        );
      statuses.push(response.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401, 429, 429]);

    const elsewhere = await server
      .client()
      .post("/api/auth/login", RIGHT, { headers: { "X-Forwarded-For": "10.9.8.1, 198.51.100.2" } });
    expect(elsewhere.status).toBe(200);
  });
});
