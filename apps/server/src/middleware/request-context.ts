import type { AccountsSettings, AppEnv, AppVariables, Clock, Logger } from "@hearth/core";
import { getConnInfo } from "@hono/node-server/conninfo";
import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { Metrics } from "../metrics.ts";
import { createProxyTrust, type ProxyTrust, type TrustProxySetting } from "../proxy-trust.ts";

export interface RequestContextOptions {
  logger: Logger;
  clock: Clock;
  accounts: AccountsSettings;
  metrics: Metrics;
  trustProxy: TrustProxySetting;
  engine: AppVariables["engine"];
  chat: AppVariables["chat"];
  limits: AppVariables["limits"];
  revocations: AppVariables["revocations"];
  credentials?: AppVariables["credentials"];
  jobs?: AppVariables["jobs"];
}

/**
 * Gives every request its logger (carrying the request id), clock, settings, client address and
 * scheme, and records its duration and status in the metrics and one access-log line.
 */
export function requestContext(options: RequestContextOptions): MiddlewareHandler<AppEnv> {
  const findClient = createProxyTrust(options.trustProxy);
  return async (c, next) => {
    const started = performance.now();
    const logger = options.logger.child({ requestId: c.var.requestId });
    c.set("logger", logger);
    c.set("clock", options.clock);
    c.set("accounts", options.accounts);
    c.set("engine", options.engine);
    c.set("chat", options.chat);
    c.set("limits", options.limits);
    c.set("revocations", options.revocations);
    c.set("credentials", options.credentials);
    c.set("jobs", options.jobs);
    c.set("principal", null);
    const client = forwardedClient(c, findClient);
    c.set("clientIp", client.ip);
    c.set("isSecureRequest", isSecure(c.req.url, client.isPeerTrusted ? c.req.header("X-Forwarded-Proto") : undefined));

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

function forwardedClient(c: Parameters<MiddlewareHandler>[0], findClient: ProxyTrust) {
  let socketAddress: string | undefined;
  try {
    socketAddress = getConnInfo(c).remote.address;
  } catch {
    // app.request() in tests has no socket.
  }
  return findClient(socketAddress, c.req.header("X-Forwarded-For"));
}

function isSecure(url: string, forwardedProto: string | undefined): boolean {
  // The nearest proxy writes the rightmost entry; entries to its left may come from the client.
  if (forwardedProto !== undefined) return forwardedProto.split(",").at(-1)?.trim() === "https";
  return url.startsWith("https:");
}
