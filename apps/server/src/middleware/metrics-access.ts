import { type AppEnv, authenticate, databaseRates, isSameSecret, raise, requireAdmin } from "@hearth/core";
import type { Database } from "@hearth/db";
import type { MiddlewareHandler } from "hono";
import { readinessGate } from "./api-guards.ts";

/**
 * Guards /metrics: it names the Node version, the models and every route's traffic, so only the
 * metrics token (what Prometheus sends) or an admin's API key or session may read it. The token
 * works before the database is ready, so a scrape during startup still gets the process metrics.
 */
export function metricsAccess(options: {
  token: string | undefined;
  database: () => Database | undefined;
}): MiddlewareHandler<AppEnv> {
  const expected = options.token === undefined ? undefined : `Bearer ${options.token}`;
  // A draining node is still scraped: its last figures matter.
  const gate = readinessGate(options.database, () => false, databaseRates);
  return async (c, next) => {
    const authorization = c.req.header("Authorization");
    if (expected !== undefined && authorization !== undefined && isSameSecret(authorization, expected)) {
      await next();
      return;
    }
    await gate(c, async () => {
      await authenticate(c, async () => {
        if (c.var.principal === null) {
          raise({
            code: "unauthenticated",
            detail: "Send the metrics token as 'Authorization: Bearer <token>', or an admin's API key or session.",
          });
        }
        await requireAdmin(c, next);
      });
    });
  };
}
