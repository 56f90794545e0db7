/**
 * OpenTelemetry traces, off unless an OTLP endpoint is configured (`tracing.otlpEndpoint`, or the
 * standard OTEL_EXPORTER_OTLP_ENDPOINT): spans for each HTTP request (W3C `traceparent` taken from the
 * caller), each database query, each reply (with its time to first token and tokens generated, see
 * conversations/generations.ts) and each scheduled job, exported over OTLP/HTTP (JSON) in batches.
 * Nothing is recorded or sent when it is off: the API's tracer is then a no-op.
 */

import type { AppEnv } from "@hearth/core";
import type { Database, Queryable } from "@hearth/db";
import { context, propagation, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";

const tracer = trace.getTracer("hearth");
/** Spans are exported in batches this often: soon enough to follow a reply in a trace viewer. */
const EXPORT_DELAY_MS = 1_000;

export interface TracingSettings {
  otlpEndpoint?: string | undefined;
  serviceName: string;
  sampleRatio: number;
}

export interface Tracing {
  /** Exports what is still buffered and stops. */
  shutdown(): Promise<void>;
}

/** Starts exporting traces when an endpoint is configured; undefined (and no cost) otherwise. */
export function startTracing(settings: TracingSettings, nodeId: string): Tracing | undefined {
  if (settings.otlpEndpoint === undefined) return undefined;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const exporter = new OTLPTraceExporter({ url: `${settings.otlpEndpoint.replace(/\/$/, "")}/v1/traces` });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": settings.serviceName, "service.instance.id": nodeId }),
    // A caller that sampled (or not) its trace decides; new traces are kept at the configured ratio.
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampleRatio) }),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: EXPORT_DELAY_MS })],
  });
  trace.setGlobalTracerProvider(provider);
  return {
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/**
 * One server span per request, the child of the caller's span when it sends `traceparent`; named by
 * the route's pattern once it is known, with the status and the request id (which logs carry too).
 */
export function traceRequests(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const parent = propagation.extract(context.active(), Object.fromEntries(c.req.raw.headers));
    const span = tracer.startSpan(`${c.req.method}`, { kind: SpanKind.SERVER }, parent);
    if (!span.isRecording()) {
      await next();
      return;
    }
    span.setAttributes({
      "http.request.method": c.req.method,
      "url.path": c.req.path,
      "hearth.request_id": c.var.requestId,
    });
    try {
      await context.with(trace.setSpan(parent, span), next);
    } finally {
      const route = c.get("isUnmatchedRoute") ? "unmatched" : routePath(c, -1);
      span.updateName(`${c.req.method} ${route}`);
      span.setAttributes({ "http.route": route, "http.response.status_code": c.res.status });
      if (c.res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
  };
}

/** The database with a client span per query (its SQL text, never its parameters). */
export function traceDatabase(db: Database): Database {
  return {
    kind: db.kind,
    query: (sql, params) => inSpan(db.kind, sql, () => db.query(sql, params)),
    exec: (sql) => inSpan(db.kind, sql, () => db.exec(sql)),
    transaction: (work) =>
      tracer.startActiveSpan("db.transaction", { kind: SpanKind.CLIENT }, (span) =>
        ended(
          span,
          db.transaction((tx) => work(traceQueryable(db.kind, tx))),
        ),
      ),
    close: () => db.close(),
  } as Database;
}

function traceQueryable(kind: Database["kind"], tx: Queryable): Queryable {
  return {
    query: (sql, params) => inSpan(kind, sql, () => tx.query(sql, params)),
    exec: (sql) => inSpan(kind, sql, () => tx.exec(sql)),
  } as Queryable;
}

function inSpan<T>(kind: Database["kind"], sql: string, run: () => Promise<T>): Promise<T> {
  // Only within a trace: the background timers' queries would otherwise each start one of their own.
  if (trace.getActiveSpan() === undefined) return run();
  const operation = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? "QUERY";
  return tracer.startActiveSpan(
    operation,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        "db.system.name": kind === "postgres" ? "postgresql" : "pglite",
        "db.query.text": sql.slice(0, 2000),
      },
    },
    (span) => ended(span, run()),
  );
}

async function ended<T>(span: Span, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}
