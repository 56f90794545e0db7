import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createInProcessEventBus,
  createRevocations,
  ModelCalls,
  ModelPulls,
  ModelRegistry,
  systemClock,
} from "@hearth/core";
import { writeTestModel } from "@hearth/engine/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../app.ts";
import { createChatRuntime } from "../chat-runtime.ts";
import { loadConfig } from "../config.ts";
import { createLogger } from "../logger.ts";
import { createMetrics } from "../metrics.ts";
import { createConfiguredProviders } from "../model-providers.ts";
import { createReadiness } from "../readiness.ts";
import { createConversation, sendMessage, settledReply } from "../testing/conversations.ts";
import {
  ADMIN,
  signedInAdmin,
  signedInUser,
  startTestServer,
  type TestClient,
  type TestServer,
} from "../testing/index.ts";

const METRICS_TOKEN = "a-metrics-token-of-some-length";

describe("health, readiness, metrics and logs", () => {
  let server: TestServer;
  const logLines: string[] = [];
  beforeAll(async () => {
    server = await startTestServer({}, { logLines });
  });
  afterAll(() => server.close());

  it("answers /healthz and /readyz once migrated", async () => {
    const client = server.client();
    expect((await client.get("/healthz")).body).toEqual({ status: "ok" });
    expect((await client.get("/readyz")).body).toEqual({
      status: "ready",
      checks: {
        database: { ok: true, detail: expect.stringMatching(/migrated$/) },
        events: { ok: true, detail: "in this process (one node)" },
        engine: { ok: true, detail: expect.stringMatching(/^llama\.cpp /) },
      },
    });
  });

  it("exposes request counts and durations by route pattern, and process and event-loop metrics", async () => {
    const admin = await signedInAdmin(server);
    await admin.get("/api/auth/me");
    await admin.delete("/api/api-keys/00000000-0000-4000-8000-000000000000");
    await admin.get("/api/nothing/here/zebra-path");
    const metrics = await admin.get("/metrics");
    expect(metrics.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = metrics.text;
    expect(text).toContain('hearth_http_requests_total{method="GET",route="/api/auth/me",status="200"} 1');
    expect(text).toContain('hearth_http_requests_total{method="DELETE",route="/api/api-keys/:id",status="404"} 1');
    expect(text).toContain('hearth_http_requests_total{method="GET",route="unmatched",status="404"} 1');
    // An unmatched path never becomes a label (a number could match a metric value by chance).
    expect(text).not.toContain("zebra-path");
    expect(text).toMatch(
      /hearth_http_request_duration_seconds_bucket\{le="0.1",method="GET",route="\/api\/auth\/me"\}/,
    );
    expect(text).toMatch(/^hearth_process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^hearth_nodejs_eventloop_lag_p99_seconds [\d.e-]+/m);
  });

  it("logs JSON lines that carry the request id, and never a password, token or cookie", async () => {
    const client = server.client();
    const login = await client.post(
      "/api/auth/login",
      { email: ADMIN.email, password: ADMIN.password },
      { headers: { "X-Request-Id": "trace-me-123" } },
    );
    expect(login.headers.get("x-request-id")).toBe("trace-me-123");
    const lines = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const forRequest = lines.filter((line) => line.requestId === "trace-me-123");
    expect(forRequest.map((line) => line.msg)).toEqual(["signed in", "request"]);
    expect(forRequest[1]).toMatchObject({
      method: "POST",
      route: "/api/auth/login",
      status: 200,
      durationMs: expect.any(Number),
    });
    const everything = logLines.join("\n");
    expect(everything).not.toContain(ADMIN.password);
    expect(everything).not.toContain(client.cookies.get("hearth_session"));
    expect(everything).not.toContain(client.csrfToken);
  });
});

describe("reply and job metrics", () => {
  let server: TestServer;
  let modelsDir: string;
  beforeAll(async () => {
    modelsDir = await mkdtemp(join(tmpdir(), "hearth-models-"));
    await writeTestModel(join(modelsDir, "tiny-chat.gguf"));
    server = await startTestServer({
      modelsDir,
      engine: { gpu: "off", contextSize: 512 },
      chat: { maxReplyTokens: 8 },
      server: { housekeepingSeconds: 1, maintenanceSeconds: 1 },
    });
  });
  afterAll(async () => {
    await server.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it("counts replies by model and final status, their time to first token, and the recurring jobs' runs", async () => {
    const admin = await signedInAdmin(server);
    const conversationId = await createConversation(admin);
    const sent = await sendMessage(admin, conversationId, "Hello");
    expect((await settledReply(admin, conversationId, sent.assistantMessage.id)).status).toBe("done");
    let text = "";
    for (let attempt = 0; attempt < 100 && !text.includes('hearth_job_runs_total{name="housekeeping"'); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      text = (await admin.get("/metrics")).text;
    }
    expect(text).toContain('hearth_replies_total{model="local/tiny-chat",status="done"} 1');
    expect(text).toContain('hearth_reply_first_token_seconds_count{model="local/tiny-chat"} 1');
    expect(text).toMatch(/^hearth_job_runs_total\{name="housekeeping",outcome="done"\} [1-9]/m);
    expect(text).toMatch(/^hearth_job_last_success_timestamp_seconds\{name="housekeeping"\} \d+/m);
  }, 30_000);

  it("vacuums and analyzes the embedded database, which has no autovacuum; leaves a PostgreSQL server to its own", async () => {
    await server.reset();
    const admin = await signedInAdmin(server);
    const conversationId = await createConversation(admin);
    const sent = await sendMessage(admin, conversationId, "Hello");
    await settledReply(admin, conversationId, sent.assistantMessage.id);
    const analyzed = async () =>
      (
        await server.db.query<{ analyzed: boolean }>(
          "SELECT last_analyze IS NOT NULL AS analyzed FROM pg_stat_user_tables WHERE relname = 'messages'",
        )
      ).rows[0]?.analyzed;
    if (server.db.kind === "postgres") {
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(await analyzed()).toBe(false);
      expect((await admin.get("/metrics")).text).not.toContain('name="database-maintenance"');
      return;
    }
    for (let attempt = 0; attempt < 100 && !(await analyzed()); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await analyzed()).toBe(true);
    expect((await admin.get("/metrics")).text).toMatch(
      /^hearth_job_runs_total\{name="database-maintenance",outcome="done"\} [1-9]/m,
    );
  }, 30_000);
});

describe("who may read /metrics (issue #6)", () => {
  let server: TestServer;
  let admin: TestClient;
  beforeAll(async () => {
    server = await startTestServer({ metrics: { token: METRICS_TOKEN } });
    admin = await signedInAdmin(server);
  });
  afterAll(() => server.close());

  const metricsAs = (authorization?: string, client = server.client()) =>
    client.get("/metrics", authorization === undefined ? {} : { headers: { Authorization: authorization } });

  it("refuses an anonymous scrape with 401", async () => {
    const response = await metricsAs();
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: "unauthenticated" });
    expect(response.text).not.toContain("hearth_");
  });

  it("refuses a wrong token with 401", async () => {
    expect((await metricsAs(`Bearer ${METRICS_TOKEN}x`)).status).toBe(401);
    expect((await metricsAs(METRICS_TOKEN)).status).toBe(401);
  });

  it("serves the metrics token", async () => {
    const response = await metricsAs(`Bearer ${METRICS_TOKEN}`);
    expect(response.status).toBe(200);
    expect(response.text).toContain("hearth_http_requests_total");
  });

  it("serves an admin's API key and session", async () => {
    const key = await admin.post<{ key: string }>("/api/api-keys", { name: "prometheus" });
    expect((await metricsAs(`Bearer ${key.body.key}`)).status).toBe(200);
    expect((await admin.get("/metrics")).status).toBe(200);
  });

  it("refuses a user who is not an admin with 403", async () => {
    const { client } = await signedInUser(server, admin, {
      username: "bob",
      email: "bob@example.com",
      password: "bob password 1",
    });
    const response = await client.get("/metrics");
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ code: "admin-required" });
  });

  it("is not public when no metrics token is configured", async () => {
    const tokenless = await startTestServer({ metrics: { token: undefined } });
    expect((await tokenless.client().get("/metrics")).status).toBe(401);
    expect((await tokenless.client().get("/metrics", { headers: { Authorization: "Bearer " } })).status).toBe(401);
    expect((await (await signedInAdmin(tokenless)).get("/metrics")).status).toBe(200);
    await tokenless.close();
  });
});

describe("before the database is ready", () => {
  const loaded = loadConfig({ argv: [], env: {}, cwd: "/tmp" });
  if (loaded.ok !== true) throw new Error("default config must load");
  const engine = {
    info: () => undefined,
    localBuild: () => ({ state: "none" as const, detail: "not started" }),
  };
  const app = createApp({
    config: loaded.config,
    logger: createLogger("silent"),
    clock: systemClock,
    metrics: createMetrics(),
    database: () => undefined,
    readiness: createReadiness({
      database: () => undefined,
      events: () => ({ ok: true, detail: "in this process (one node)" }),
      engine,
      isDraining: () => false,
    }),
    isDraining: () => false,
    installationId: () => undefined,
    engine,
    chat: createChatRuntime({
      config: loaded.config,
      logger: createLogger("silent"),
      clock: systemClock,
      metrics: createMetrics(),
      models: new ModelRegistry({ providers: async () => [], settings: { listTimeoutMs: 1000, cacheMs: 1000 } }),
      bus: createInProcessEventBus(),
    }),
    revocations: createRevocations(),
    providers: createConfiguredProviders({
      config: loaded.config,
      logger: createLogger("silent"),
      database: () => undefined,
      local: {
        id: "local",
        kind: "llama.cpp",
        listModels: async () => [],
        languageModel: () => Promise.reject(new Error("none")),
        embeddingModel: () => Promise.reject(new Error("none")),
        close: async () => {},
      },
      onChange: () => {},
    }),
    modelCalls: new ModelCalls(),
    modelPulls: new ModelPulls({
      modelsDir: "/tmp",
      nodeId: "test",
      clock: systemClock,
      logger: createLogger("silent"),
      prepare: () => Promise.reject(new Error("no pulls before the database is ready")),
    }),
    localEngine: { load: async () => {}, unload: async () => "not-loaded" },
    localModels: { ownModels: async () => [], engine: async () => undefined, onChanged: () => {} },
  });

  it("answers /readyz with 503 and /healthz with 200", async () => {
    const readyz = await app.request("/readyz");
    expect(readyz.status).toBe(503);
    expect(await readyz.json()).toMatchObject({
      status: "starting",
      checks: { database: { ok: false, detail: "opening or migrating" } },
    });
    expect((await app.request("/healthz")).status).toBe(200);
  });

  it("answers /api with a 503 problem that says to retry", async () => {
    const response = await app.request("/api/setup");
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ code: "service-starting" });
  });
});
