import {
  type AppEnv,
  type AppVariables,
  apiKeyRoutes,
  assistantRoutes,
  authenticate,
  type Clock,
  type ConfiguredProviders,
  conversationRoutes,
  databaseRates,
  type JobRuntime,
  jobRoutes,
  LOCAL_PROVIDER,
  type LocalModelFiles,
  type LocalModelSettingsDeps,
  type Logger,
  limitRoutes,
  type ModelCalls,
  type ModelPulls,
  memoryRoutes,
  messageRoutes,
  modelPullRoutes,
  modelRoutes,
  modelSettingsRoutes,
  OpenAiError,
  openAiRoutes,
  type Problem,
  ProblemError,
  ProblemSchema,
  providerRoutes,
  quotaRoutes,
  type RateStore,
  type SearchIndexer,
  searchRoutes,
  sessionRoutes,
  setupRoutes,
  toolRoutes,
  usageRoutes,
  userAdminRoutes,
} from "@hearth/core";
import type { Database } from "@hearth/db";
import { chatTemplateProblem, inspectGguf } from "@hearth/engine";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import type { Config } from "./config.ts";
import type { Metrics } from "./metrics.ts";
import { limitBody, providerChain, readinessGate, requireJsonBody } from "./middleware/api-guards.ts";
import { metricsAccess } from "./middleware/metrics-access.ts";
import { requestContext } from "./middleware/request-context.ts";
import { securityHeaders } from "./middleware/security-headers.ts";
import { addProblemResponses, type OpenApiDocument } from "./problems/problem-responses.ts";
import { problemResponse } from "./problems/to-http.ts";
import { findUndeclaredProblem, type UndeclaredProblem } from "./problems/undeclared-problems.ts";
import { type Readiness, systemRoutes } from "./system-routes.ts";
import { traceRequests } from "./tracing.ts";
import { DEFAULT_WEB_DIR, webApp } from "./web-app.ts";

export interface AppDependencies {
  config: Config;
  logger: Logger;
  clock: Clock;
  metrics: Metrics;
  /** The database once it is open and migrated; undefined while starting. */
  database: () => Database | undefined;
  /** What /readyz answers: each dependency's state. */
  readiness: () => Promise<Readiness>;
  /** The node is shutting down: API requests get 503 `node-draining`, to be sent again elsewhere. */
  isDraining: () => boolean;
  /** This installation's id (request-chain.ts), known once the database is ready. */
  installationId: () => string | undefined;
  engine: AppVariables["engine"];
  chat: AppVariables["chat"];
  revocations: AppVariables["revocations"];
  /** The durable job queue; undefined: none runs. */
  jobs?: JobRuntime;
  /** Search's indexer on this node; undefined: none runs, and search answers by keyword only. */
  search?: SearchIndexer;
  /** Rate-limit state in Redis when it is configured (falling back to the database); undefined: the database. */
  rates?: () => RateStore | undefined;
  /** Sessions and keys recently resolved; undefined: none kept (see CredentialCache). */
  credentials?: AppVariables["credentials"];
  /** The model providers admins manage at /api/admin/providers. */
  providers: ConfiguredProviders;
  /** Counts the /v1 routes' model calls (the engine switch waits for none to run). */
  modelCalls: ModelCalls;
  /** Admins' model pulls into this node's models dir. */
  modelPulls: ModelPulls;
  /** Loading and unloading this node's local models by hand. */
  localEngine: LocalModelFiles["engine"];
  /** This node's local models as llama.cpp holds them, and what to do when their settings change. */
  localModels: Omit<LocalModelSettingsDeps, "chatTemplateProblem">;
  /**
   * Told of each problem answered for a route that does not declare its code: tests turn it on, so a
   * route that drifts from its declared problems (and so from /openapi.json) fails them.
   */
  onUndeclaredProblem?: (problem: UndeclaredProblem) => void;
}

declare module "hono" {
  interface ContextVariableMap {
    /** Set by the not-found handler, so metrics label the request "unmatched" instead of its path. */
    isUnmatchedRoute?: boolean;
  }
}

const API_PATHS = ["/api/*", "/v1/*"];

/** Wires the middleware and every capability's routes into one Hono app. */
export function createApp(deps: AppDependencies): OpenAPIHono<AppEnv> {
  const { config } = deps;
  const app = new OpenAPIHono<AppEnv>();
  let document: OpenApiDocument | undefined;
  const documentOf = () => {
    document ??= openApiDocument(app);
    return document;
  };
  const answer = (c: Context<AppEnv>, problem: Problem | { code: "internal-error"; detail: string }) => {
    if (deps.onUndeclaredProblem !== undefined) {
      const undeclared = findUndeclaredProblem(documentOf(), c, problem.code);
      if (undeclared !== undefined) deps.onUndeclaredProblem(undeclared);
    }
    return problemResponse(c, problem);
  };

  app.use("*", requestId({ limitLength: 128 }));
  // Spans cost nothing when tracing is off, but reading the headers for a caller's trace would.
  if (config.tracing.otlpEndpoint !== undefined) app.use("*", traceRequests());
  app.use(
    "*",
    requestContext({
      logger: deps.logger,
      clock: deps.clock,
      metrics: deps.metrics,
      trustProxy: config.server.trustProxy,
      engine: deps.engine,
      chat: deps.chat,
      limits: config.limits,
      revocations: deps.revocations,
      credentials: deps.credentials,
      jobs: deps.jobs,
      accounts: {
        cookieName: config.auth.cookieName,
        session: { idleSeconds: config.auth.sessionIdleSeconds, absoluteSeconds: config.auth.sessionAbsoluteSeconds },
        rateLimit: config.auth.loginRateLimit,
      },
    }),
  );
  app.use("*", securityHeaders);
  for (const path of API_PATHS) {
    app.use(path, limitBody(config.server.bodyLimitBytes));
    app.use(path, requireJsonBody);
    app.use(
      path,
      readinessGate(deps.database, deps.isDraining, (db) => deps.rates?.() ?? databaseRates(db)),
    );
    app.use(path, providerChain(deps.installationId, { refuseLoops: path === "/v1/*" }));
    app.use(path, authenticate);
  }
  const web = webApp(config.server.webDir ?? DEFAULT_WEB_DIR);
  if (web !== undefined) app.use("*", web);
  app.use("/metrics", metricsAccess({ token: config.metrics.token, database: deps.database }));

  app.route("/", setupRoutes);
  app.route("/", sessionRoutes);
  app.route("/", apiKeyRoutes);
  app.route("/", userAdminRoutes);
  app.route("/", limitRoutes);
  app.route("/", usageRoutes);
  app.route("/", quotaRoutes);
  app.route("/", modelRoutes);
  app.route("/", providerRoutes(deps.providers));
  app.route("/", modelSettingsRoutes({ ...deps.localModels, chatTemplateProblem }));
  app.route(
    "/",
    modelPullRoutes(deps.modelPulls, {
      modelsDir: config.modelsDir as string,
      inspect: inspectGguf,
      isInUse: (model) => deps.chat.generations.isUsing(model) || deps.modelCalls.activeCount > 0,
      onChanged: () => deps.chat.models.forget(LOCAL_PROVIDER),
      engine: deps.localEngine,
    }),
  );
  app.route("/", assistantRoutes);
  app.route("/", jobRoutes);
  app.route("/", searchRoutes(deps.search));
  app.route("/", memoryRoutes);
  app.route("/", conversationRoutes);
  app.route("/", messageRoutes);
  app.route("/", toolRoutes);
  app.route("/", openAiRoutes(deps.modelCalls));
  app.route(
    "/",
    systemRoutes({
      readiness: deps.readiness,
      metrics: deps.metrics,
      document: documentOf,
    }),
  );

  // Referenced by the error responses built from the routes' problem codes (problem-responses.ts).
  app.openAPIRegistry.register("Problem", ProblemSchema);
  app.openAPIRegistry.register("OpenAiError", OpenAiError);
  app.openAPIRegistry.registerComponent("securitySchemes", "sessionCookie", {
    type: "apiKey",
    in: "cookie",
    name: config.auth.cookieName,
    description: "Set by POST /api/auth/login. Mutations also need the X-CSRF-Token header.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerApiKey", {
    type: "http",
    scheme: "bearer",
    description: "An API key from POST /api/api-keys.",
  });

  app.notFound((c) => {
    c.set("isUnmatchedRoute", true);
    const path = new URL(c.req.url).pathname;
    return problemResponse(c, {
      code: "route-not-found",
      detail: `No route matches ${c.req.method} ${path}.`,
      method: c.req.method,
      path,
    });
  });

  app.onError((error, c) => {
    if (error instanceof ProblemError) return answer(c, error.problem);
    if (error instanceof HTTPException && error.status === 400) {
      // The only 400 Hono's validator raises itself: a body that is not JSON.
      return answer(c, { code: "malformed-json", detail: "The request body is not valid JSON." });
    }
    if (isUnstorableText(error)) {
      return answer(c, {
        code: "validation-failed",
        detail: "Text in the request holds a character that cannot be stored (such as \\u0000).",
        target: "body",
        issues: [{ field: "", message: "must not hold NUL (\\u0000) characters" }],
      });
    }
    c.var.logger?.error({ err: error }, "unhandled error");
    return answer(c, {
      code: "internal-error",
      detail: `Something went wrong on our side. Quote request id ${c.var.requestId} when reporting it.`,
    });
  });

  return app;
}

/** PostgreSQL's "invalid byte sequence" and "untranslatable character": text it cannot store, such as NUL. */
function isUnstorableText(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === "22021" || code === "22P05";
}

/** The document, with each operation's error responses built from its problem codes. */
function openApiDocument(app: OpenAPIHono<AppEnv>): OpenApiDocument {
  const document = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "Hearth API",
      version: "0.1.0",
      description:
        "A self-hosted, private AI workspace. Errors under /api are application/problem+json (RFC 9457); under /v1 (OpenAI-compatible) they " +
        "are OpenAI's {error: {message, type, param, code}}. Each operation lists the problem codes it can answer " +
        "with in `x-hearth-problems`; its error responses are derived from them, one per status.",
    },
  }) as unknown as OpenApiDocument;
  addProblemResponses(document);
  return document;
}
