import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Database } from "@hearth/db";
import { createTestDatabase } from "@hearth/db/testing";
import { type Config, loadConfig } from "../config.ts";
import { createLogger } from "../logger.ts";
import type { UndeclaredProblem } from "../problems/undeclared-problems.ts";
import { type RunningHearth, type StartOptions, startHearth } from "../server.ts";
import { ManualClock } from "./manual-clock.ts";
import { TestClient } from "./test-client.ts";

export interface TestServer {
  url: string;
  db: Database;
  clock: ManualClock;
  config: Config;
  /** The server's job queue: queue a job and every worker looks at once. */
  jobs: RunningHearth["jobs"];
  client(): TestClient;
  /** The /metrics text, read with the test metrics token. */
  metricsText(): Promise<string>;
  /** Resolves once no reply (nor its titling) is being written. */
  idle(): Promise<void>;
  /** Empties every table but the migration ledger, so one server can serve a whole test file. */
  reset(): Promise<void>;
  /** Problems answered so far for routes that do not declare their codes (see app.ts). */
  undeclaredProblems: readonly UndeclaredProblem[];
  /** Stops the server; then fails (throws) if any route answered a problem it does not declare. */
  close(): Promise<void>;
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/**
 * Starts a real Hearth server on a free port, over a test database (in-memory PGlite, or a fresh
 * database on TEST_DATABASE_URL's server), with a manual clock.
 */
export async function startTestServer(
  overrides: DeepPartial<Config> = {},
  options: {
    logLines?: string[];
    wrapReplyModel?: StartOptions["wrapReplyModel"];
    /** Tools to offer besides the built-in ones. */
    extraTools?: StartOptions["extraTools"];
    /** Job handlers by queue, run by the server's own worker. */
    jobHandlers?: StartOptions["extraJobHandlers"];
  } = {},
): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), "hearth-test-"));
  const loaded = loadConfig({
    argv: [],
    env: { HEARTH_DATA_DIR: dataDir, PORT: "0", HEARTH_ENGINE_LOCAL_BUILD: "off" },
    cwd: dataDir,
  });
  if (loaded.ok !== true) throw new Error(`test config invalid: ${JSON.stringify(loaded)}`);
  // A test that names metrics.token, even as undefined, gets exactly that; the rest get a token to read /metrics.
  const isTokenGiven = overrides.metrics !== undefined && "token" in overrides.metrics;
  const withToken = isTokenGiven ? loaded.config : merge(loaded.config, { metrics: { token: TEST_METRICS_TOKEN } });
  const config = merge(withToken, overrides) as Config;
  const db = await createTestDatabase();
  const clock = new ManualClock();
  const { logLines } = options;
  const logger =
    logLines === undefined
      ? createLogger("silent")
      : createLogger("debug", { write: (line: string) => void logLines.push(...line.trimEnd().split("\n")) });
  // Every test checks, as it goes, that routes answer only the problems /openapi.json says they can.
  const undeclaredProblems: UndeclaredProblem[] = [];
  const hearth = await startHearth({
    config,
    logger,
    clock,
    database: db,
    onUndeclaredProblem: (problem) => undeclaredProblems.push(problem),
    ...(options.wrapReplyModel ? { wrapReplyModel: options.wrapReplyModel } : {}),
    ...(options.extraTools ? { extraTools: options.extraTools } : {}),
    ...(options.jobHandlers ? { extraJobHandlers: options.jobHandlers } : {}),
  });
  await hearth.ready;
  return {
    url: hearth.url,
    db,
    clock,
    config,
    jobs: hearth.jobs,
    client: () => new TestClient(hearth.url),
    async metricsText() {
      const authorization = `Bearer ${config.metrics.token ?? ""}`;
      return (await new TestClient(hearth.url).get("/metrics", { headers: { Authorization: authorization } })).text;
    },
    idle: () => hearth.idle(),
    async reset() {
      // A reply still being written (or titled) holds row locks that TRUNCATE would deadlock with.
      await hearth.idle();
      const { rows } = await db.query<{ name: string }>(
        "SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'hearth_migrations'",
      );
      await db.exec(`TRUNCATE ${rows.map((row) => row.name).join(", ")} CASCADE`);
    },
    undeclaredProblems,
    async close() {
      await hearth.close();
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
      if (undeclaredProblems.length > 0) throw new Error(describeUndeclared(undeclaredProblems));
    },
  };
}

/** The metrics token every test server gets unless the test sets its own. */
export const TEST_METRICS_TOKEN = "test-metrics-token-0123456789";

export const ADMIN = { username: "ada", email: "ada@example.com", password: "correct horse battery" };

/** Runs first-run setup and returns a client signed in as that admin. */
export async function signedInAdmin(server: TestServer): Promise<TestClient> {
  const client = server.client();
  const setup = await client.post("/api/setup", ADMIN);
  if (setup.status !== 201) throw new Error(`setup failed: ${setup.text}`);
  const login = await client.logIn(ADMIN.email, ADMIN.password);
  if (login.status !== 200) throw new Error(`login failed: ${login.text}`);
  return client;
}

/** Creates a user through the admin API and returns a client signed in as them. */
export async function signedInUser(
  server: TestServer,
  admin: TestClient,
  user: { username: string; email: string; password: string; role?: "admin" | "user" },
): Promise<{ client: TestClient; id: string }> {
  const created = await admin.post<{ id: string }>("/api/admin/users", user);
  if (created.status !== 201) throw new Error(`user creation failed: ${created.text}`);
  const client = server.client();
  const login = await client.logIn(user.email, user.password);
  if (login.status !== 200) throw new Error(`login failed: ${login.text}`);
  return { client, id: created.body.id };
}

function describeUndeclared(problems: readonly UndeclaredProblem[]): string {
  const lines = new Set(problems.map(({ method, route, code }) => `  ${method} ${route}: ${code}`));
  return (
    "Routes answered problems they do not declare; add the codes to the route's problems(…) (or the middleware's " +
    `in problems/problem-responses.ts):\n${[...lines].join("\n")}`
  );
}

function merge(base: unknown, override: unknown): unknown {
  // A list (models.providers) replaces the one it overrides: spreading it would make it an object.
  if (Array.isArray(override)) return override;
  if (typeof override !== "object" || override === null || typeof base !== "object" || base === null) {
    return override === undefined ? base : override;
  }
  const result: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(override)) result[key] = merge(result[key], value);
  return result;
}
