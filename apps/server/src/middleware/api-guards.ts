import type { AppEnv, RateStore } from "@hearth/core";
import { parseVia, raise, serveInChain, VIA_HEADER } from "@hearth/core";
import type { Database } from "@hearth/db";
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";

/**
 * Answers 503 until the database is open and migrated, and again once the node drains (it is
 * shutting down); in between, hands the database to the request.
 */
export function readinessGate(
  getDatabase: () => Database | undefined,
  isDraining: () => boolean,
  /** Where the database's node keeps rate-limit state (see quotas/rate-store.ts). */
  ratesOf: (db: Database) => RateStore,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (isDraining()) {
      raise({
        code: "node-draining",
        detail: "This Hearth node is shutting down and took nothing of this request: send it again.",
      });
    }
    const db = getDatabase();
    if (db === undefined) {
      raise({ code: "service-starting", detail: "Hearth is starting: the database is not ready yet. Retry shortly." });
    }
    c.set("db", db);
    c.set("rates", ratesOf(db));
    await next();
  };
}

export function limitBody(limitBytes: number): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: limitBytes,
    onError: () =>
      raise({
        code: "payload-too-large",
        detail: `The request body is larger than the limit of ${limitBytes} bytes.`,
        limitBytes,
      }),
  });
}

const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

/** A request that sends a body must send JSON. */
export const requireJsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  const hasBody = c.req.header("Content-Length") !== undefined || c.req.header("Transfer-Encoding") !== undefined;
  const contentType = c.req.header("Content-Type") ?? "";
  if (BODY_METHODS.has(c.req.method) && hasBody && c.req.header("Content-Length") !== "0") {
    if (!/^application\/([\w.-]+\+)?json\s*(;|$)/i.test(contentType)) {
      raise({
        code: "unsupported-media-type",
        detail: `Send the body as application/json (got ${contentType || "no Content-Type"}).`,
        contentType,
      });
    }
  }
  await next();
};

/**
 * Carries the request's `Hearth-Via` chain into the provider calls it makes, and (on the /v1 routes
 * that providers call) refuses a request that came back to this installation through its own
 * providers: without that, a provider pointing at this server lists its models by asking itself,
 * which asks itself again, until the listing times out (request-chain.ts).
 */
export function providerChain(
  installationId: () => string | undefined,
  options: { refuseLoops: boolean },
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const self = installationId();
    if (self === undefined) return next();
    const via = c.req.header(VIA_HEADER);
    if (options.refuseLoops && parseVia(via).includes(self)) {
      raise({
        code: "loop-detected",
        detail:
          "This request came back to the Hearth that sent it: one of its model providers points at this server itself, or at a server that points back here. Remove that provider or point it elsewhere.",
      });
    }
    await serveInChain(self, via, next);
  };
}
