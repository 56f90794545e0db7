import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, migrate } from "@hearth/db";
import { createTestDatabase } from "@hearth/db/testing";
import { OpenAPIHono } from "@hono/zod-openapi";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApiKey } from "../accounts/api-keys.ts";
import { authenticate } from "../accounts/authenticate.ts";
import { createUser } from "../accounts/users.ts";
import type { AppEnv } from "../http/app-env.ts";
import type { Logger } from "../logger.ts";
import { migrations } from "../migrations.ts";
import { ProblemError, unwrap } from "../problems.ts";
import { ConfiguredProviders } from "./configured-providers.ts";
import { providerRoutes } from "./routes.ts";
import { createSecretBox } from "./secret-box.ts";
import { type ModelServer, startModelServer, testProviderFactory } from "./test-provider.ts";

const KEY = "sk-route-secret-0123456789";

/** Records every log line, to show what the routes log. */
function recordingLogger(lines: string[]): Logger {
  const write = (object: object, message?: string) => void lines.push(JSON.stringify({ ...object, message }));
  const logger: Logger = { debug: write, info: write, warn: write, error: write, child: () => logger };
  return logger;
}

describe("/api/admin/providers", () => {
  let db: Database;
  let dataDir: string;
  let server: ModelServer;
  let configured: ConfiguredProviders;
  let app: OpenAPIHono<AppEnv>;
  let adminKey: string;
  let userKey: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    await migrate(db, migrations);
    dataDir = await mkdtemp(join(tmpdir(), "hearth-providers-"));
    server = await startModelServer({ models: ["gpt-4.1-mini", "o3"], apiKey: KEY });
    const now = new Date();
    const password = "correct horse battery";
    const admin = unwrap(
      await createUser(db, { username: "ada", email: "ada@example.com", password, role: "admin" }, now),
    );
    const user = unwrap(
      await createUser(db, { username: "bob", email: "bob@example.com", password, role: "user" }, now),
    );
    adminKey = unwrap(await createApiKey(db, admin.id, "admin", now, 5)).key;
    userKey = unwrap(await createApiKey(db, user.id, "user", now, 5)).key;
    configured = new ConfiguredProviders({
      database: () => db,
      factory: testProviderFactory(),
      secretBox: createSecretBox({ dataDir }),
      fromConfig: [{ id: "from-file", kind: "ollama", baseUrl: server.baseUrl, timeoutSeconds: 30, enabled: true }],
    });
    // The parts of apps/server's middleware these routes rely on; problems are answered with their code.
    app = new OpenAPIHono<AppEnv>();
    app.use("*", async (c, next) => {
      c.set("db", db);
      c.set("clock", { now: () => new Date() });
      c.set("logger", recordingLogger(logLines));
      c.set("principal", null);
      c.set("accounts", {
        cookieName: "hearth_session",
        session: { idleSeconds: 3600, absoluteSeconds: 7200 },
        rateLimit: { perAccount: 10, perIp: 50, slowDownAfter: 100, windowSeconds: 900 },
      });
      await next();
    });
    app.use("*", authenticate);
    app.route("/", providerRoutes(configured));
    app.onError((error, c) => {
      if (error instanceof ProblemError) return c.json({ problem: error.problem }, 400);
      throw error;
    });
  });
  afterAll(async () => {
    await configured.close();
    await server.close();
    await db.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await db.exec("DELETE FROM model_providers");
    logLines.length = 0;
  });

  const call = async (method: string, path: string, body?: unknown, key = adminKey) => {
    const response = await app.request(path, {
      method,
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, text, body: text === "" ? undefined : JSON.parse(text) };
  };
  const create = (overrides: Record<string, unknown> = {}) =>
    call("POST", "/api/admin/providers", {
      id: "openai",
      kind: "openai-compatible",
      baseUrl: server.baseUrl,
      apiKey: KEY,
      ...overrides,
    });

  it("creates, reads, changes, tests and removes a provider, never answering or logging its API key", async () => {
    const created = await create({ models: ["o3", "o3"] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: "openai",
      hasApiKey: true,
      models: ["o3"],
      timeoutSeconds: 30,
      enabled: true,
    });
    const list = await call("GET", "/api/admin/providers");
    expect(list.body.data.map((provider: { id: string }) => provider.id)).toEqual(["from-file", "openai"]);
    expect((await call("GET", "/api/admin/providers/openai")).body).toMatchObject({ source: "admin" });
    const changed = await call("PATCH", "/api/admin/providers/openai", { apiKey: `${KEY}-2`, models: null });
    expect(changed.body).toMatchObject({ hasApiKey: true, models: null });
    server.apiKey = `${KEY}-2`;
    const tested = await call("POST", "/api/admin/providers/openai/test");
    server.apiKey = KEY;
    expect(tested.body).toEqual({ ok: true, models: ["gpt-4.1-mini", "o3"], ms: expect.any(Number) });
    expect((await call("DELETE", "/api/admin/providers/openai")).status).toBe(204);
    expect((await call("GET", "/api/admin/providers/openai")).body.problem.code).toBe("provider-not-found");
    for (const text of [created.text, list.text, changed.text, tested.text, ...logLines])
      expect(text).not.toContain(KEY);
    expect(logLines.join("\n")).toContain('"fields":["apiKey","models"]');
  });

  it("offers a provider created here to the model registry at once", async () => {
    expect((await configured.providers()).map((provider) => provider.id)).toEqual(["from-file"]);
    await create();
    expect((await configured.providers()).map((provider) => provider.id)).toEqual(["from-file", "openai"]);
  });

  it("refuses a non-admin and an anonymous caller, like every admin route", async () => {
    await create();
    expect((await call("GET", "/api/admin/providers", undefined, userKey)).body.problem.code).toBe("admin-required");
    const removal = await call("DELETE", "/api/admin/providers/openai", undefined, userKey);
    expect(removal.body.problem.code).toBe("admin-required");
    expect((await call("GET", "/api/admin/providers/openai")).status).toBe(200);
    const anonymous = await app.request("/api/admin/providers");
    expect(((await anonymous.json()) as { problem: { code: string } }).problem.code).toBe("unauthenticated");
  });

  it.each([
    [{ baseUrl: "http://169.254.169.254/latest" }, "baseUrl", /cloud metadata/],
    [{ baseUrl: "http://[fe80::1]:11434" }, "baseUrl", /link-local/],
    [{ baseUrl: "http://metadata.google.internal/" }, "baseUrl", /cloud metadata/],
    [{ baseUrl: "http://user:pass@127.0.0.1:11434" }, "baseUrl", /user name or password/],
    [{ baseUrl: "ftp://127.0.0.1/" }, "baseUrl", /http:\/\/ or https:\/\//],
    [{ id: "local" }, "id", /embedded engine/],
    [{ id: "Has Spaces" }, "id", /lowercase letters/],
    [{ kind: "anthropic" }, "kind", /openai-compatible/],
    [{ api_key: KEY }, "", /api_key/],
  ])("refuses %j, naming the field", async (overrides, field, message) => {
    const refused = await create(overrides);
    expect(refused.body.problem).toMatchObject({
      code: "validation-failed",
      issues: [{ field, message: expect.stringMatching(message) }],
    });
    expect(refused.text).not.toContain(KEY);
  });

  it("refuses to change a provider of the config file, and to reuse its id", async () => {
    expect((await call("PATCH", "/api/admin/providers/from-file", { enabled: false })).body.problem.code).toBe(
      "provider-in-config-file",
    );
    expect((await create({ id: "from-file" })).body.problem.code).toBe("provider-id-taken");
  });
});
