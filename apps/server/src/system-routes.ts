import { ADMIN_ROLE, type AppEnv, createRouter, jsonContent, problems } from "@hearth/core";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Metrics } from "./metrics.ts";

const healthz = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["operations"],
  summary: "Liveness: the process is up",
  responses: { 200: jsonContent(z.object({ status: z.literal("ok") }), "Alive") },
});

const Check = z.object({
  ok: z.boolean(),
  detail: z.string().openapi({ description: "What was found, in words" }),
});
export const Readiness = z
  .object({
    status: z.enum(["ready", "starting", "draining", "unavailable"]),
    checks: z.object({
      database: Check,
      events: Check.openapi({
        description: "How events reach the other nodes: in this process, PostgreSQL LISTEN/NOTIFY or Redis pub/sub",
      }),
      engine: Check.openapi({
        description: "The local llama.cpp engine; a node without local models is ready without it",
      }),
    }),
  })
  .openapi("Readiness");
export type Readiness = z.infer<typeof Readiness>;

const readyz = createRoute({
  method: "get",
  path: "/readyz",
  tags: ["operations"],
  summary: "Readiness: whether this node should be sent traffic, with each dependency's state",
  description:
    "200 once the database is open and migrated and, among nodes, the channel that carries events to the other nodes is connected. 503 while starting, while a dependency is unreachable, and once the node drains (it is shutting down).",
  responses: { 200: jsonContent(Readiness, "Ready"), 503: jsonContent(Readiness, "Not ready") },
});

const metricsRoute = createRoute({
  method: "get",
  path: "/metrics",
  tags: ["operations"],
  summary: "Prometheus metrics",
  description:
    "Needs the metrics token (`metrics.token`) as `Authorization: Bearer <token>`, or an admin's API key or session.",
  // The token is a credential no scheme here describes; the schemes are an admin's session or key.
  security: [{ sessionCookie: [ADMIN_ROLE] }, { bearerApiKey: [ADMIN_ROLE] }],
  responses: {
    200: { description: "Prometheus text format", content: { "text/plain": { schema: z.string() } } },
  },
  // Its guard (metrics-access.ts) waits for the database before it reads a session or key.
  ...problems("service-starting"),
});

const openapi = createRoute({
  method: "get",
  path: "/openapi.json",
  tags: ["operations"],
  summary: "This OpenAPI 3.1 document",
  responses: { 200: jsonContent(z.record(z.string(), z.unknown()), "OpenAPI 3.1") },
});

const home = createRoute({
  method: "get",
  path: "/",
  tags: ["operations"],
  summary: "A status page for people who open the printed URL",
  responses: { 200: { description: "HTML", content: { "text/html": { schema: z.string() } } } },
});

// Static markup, no script and no inline style: it passes the CSP as served.
const HOME_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hearth</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Hearth is running</h1>
<p>This server speaks the Hearth API. The web app is not part of this build yet.</p>
<ul><li><a href="/openapi.json">API description (OpenAPI 3.1)</a></li>
<li><a href="/readyz">Readiness</a></li><li><a href="/api/setup">Setup state</a></li></ul>
</main></body></html>
`;

export interface SystemRouteOptions {
  readiness: () => Promise<Readiness>;
  /** Served behind metricsAccess, which app.ts puts in front of /metrics. */
  metrics: Metrics;
  document: () => Record<string, unknown>;
}

export function systemRoutes(options: SystemRouteOptions): OpenAPIHono<AppEnv> {
  return createRouter()
    .openapi(home, (c) => c.html(HOME_PAGE, 200))
    .openapi(healthz, (c) => c.json({ status: "ok" as const }, 200))
    .openapi(readyz, async (c) => {
      const readiness = await options.readiness();
      return readiness.status === "ready" ? c.json(readiness, 200) : c.json(readiness, 503);
    })
    .openapi(metricsRoute, async (c) =>
      c.text(await options.metrics.registry.metrics(), 200, {
        "Content-Type": options.metrics.registry.contentType,
      }),
    )
    .openapi(openapi, (c) => c.json(options.document(), 200));
}
