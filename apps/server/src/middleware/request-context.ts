import type { AccountsSettings, AppEnv, AppVariables, Clock, Logger } from "@hearth/core";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { Metrics } from "../metrics.ts";

export interface RequestContextOptions {
  logger: Logger;
  clock: Clock;
  accounts: AccountsSettings;
  metrics: Metrics;
  trustProxy: boolean;
  engine: AppVariables["engine"];
  chat: AppVariables["chat"];
  limits: AppVariables["limits"];
}

/**
 * Gives every request its logger (carrying the request id), clock, settings, client address and
 * scheme, and records its duration and status in the metrics and one access-log line.
 */
export function requestContext(options: RequestContextOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const logger = options.logger.child({ requestId: c.var.requestId });
    c.set("logger", logger);
    c.set("clock", options.clock);
    c.set("accounts", options.accounts);
    c.set("engine", options.engine);
    c.set("chat", options.chat);
    c.set("limits", options.limits);
    c.set("principal", null);
    c.set("clientIp", clientIp(c, options.trustProxy));
    c.set("isSecureRequest", isSecure(c.req.url, options.trustProxy ? c.req.header("X-Forwarded-Proto") : undefined));

    await next();

    const seconds = (performance.now() - started) / 1000;
    const route = c.get("isUnmatchedRoute") ? "unmatched" : routePath(c, -1);
    options.metrics.observeRequest(c.req.method, route, c.res.status, seconds);
    const line = { method: c.req.method, route, status: c.res.status, durationMs: Math.round(seconds * 1e4) / 10 };
    // 503 is the expected answer while starting (readiness probes): not an error worth paging for.
    if (c.res.status >= 500 && c.res.status !== 503) logger.error(line, "request failed");
    else logger.info(line, "request");
  };
}

function clientIp(c: Parameters<MiddlewareHandler>[0], trustProxy: boolean): string | undefined {
  if (trustProxy) {
    // The proxy appends the address it saw; the left-most entry is the original client.
    const forwarded = c.req.header("X-Forwarded-For")?.split(",")[0]?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address;
  } catch {
    // app.request() in tests has no socket.
    return undefined;
  }
}

function isSecure(url: string, forwardedProto: string | undefined): boolean {
  if (forwardedProto !== undefined) return forwardedProto.split(",")[0]?.trim() === "https";
  return url.startsWith("https:");
}
