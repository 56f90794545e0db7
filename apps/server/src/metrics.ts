import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

export interface Metrics {
  registry: Registry;
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  observeModelLoad(modelId: string, seconds: number): void;
}

/**
 * A registry per server (tests run several in one process), with Node's process and event-loop
 * metrics and the HTTP request counters. Routes are labelled by their pattern, never by the raw
 * path, so ids do not multiply the series.
 */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "hearth_" });
  const requests = new Counter({
    name: "hearth_http_requests_total",
    help: "HTTP requests by method, route pattern and status",
    labelNames: ["method", "route", "status"],
    registers: [registry],
  });
  const durations = new Histogram({
    name: "hearth_http_request_duration_seconds",
    help: "HTTP request durations by method and route pattern",
    labelNames: ["method", "route"],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const modelLoads = new Histogram({
    name: "hearth_model_load_seconds",
    help: "Time to load a model and create its context",
    labelNames: ["model"],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  return {
    registry,
    observeModelLoad(modelId, seconds) {
      modelLoads.observe({ model: modelId }, seconds);
    },
    observeRequest(method, route, status, seconds) {
      requests.inc({ method, route, status: String(status) });
      durations.observe({ method, route }, seconds);
    },
  };
}
