/**
 * What one phase of the `stall` section records while some load runs: /healthz latency as a client
 * sees it, the server's own event-loop lag (from /metrics), and the bench process's own lag, which says
 * how far the client itself delayed its timings.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { percentile } from "./report.ts";

/** /healthz is polled every 20 ms (50 a second), each request after the previous one's answer. */
const POLL_INTERVAL_MS = 20;
/** The server's event-loop lag figures, by their names in /metrics (prom-client, prefix hearth_). */
const LAG_METRICS = {
  p50Ms: "hearth_nodejs_eventloop_lag_p50_seconds",
  p99Ms: "hearth_nodejs_eventloop_lag_p99_seconds",
  maxMs: "hearth_nodejs_eventloop_lag_max_seconds",
} as const;

export interface Spread {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface PhaseFigures {
  seconds: number;
  healthzRequests: number;
  healthz: Spread;
  /** The server's, over the phase alone. Includes the monitor's 10 ms sampling interval: idle reads ≈ 10 ms. */
  eventLoopLag: Spread;
  benchLoopLagMaxMs: number;
}

export interface MetricsEndpoint {
  baseUrl: string;
  /** The server's metrics.token. */
  token: string;
}

/**
 * Runs `load` (which must stop by the deadline it is given) for `seconds` while /healthz is polled.
 * prom-client resets its event-loop histogram at every scrape, so the scrape before the phase clears
 * what came earlier and the one after reads the phase alone.
 */
export async function measurePhase(
  metrics: MetricsEndpoint,
  seconds: number,
  load: (deadline: number) => Promise<void>,
): Promise<PhaseFigures> {
  await readEventLoopLag(metrics);
  const ownLag = monitorEventLoopDelay({ resolution: 10 });
  ownLag.enable();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const [latencies] = await Promise.all([pollHealthz(metrics.baseUrl, deadline), load(deadline)]);
  const elapsed = (performance.now() - started) / 1000;
  ownLag.disable();
  return {
    seconds: elapsed,
    healthzRequests: latencies.length,
    healthz: { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), maxMs: Math.max(...latencies) },
    eventLoopLag: await readEventLoopLag(metrics),
    benchLoopLagMaxMs: ownLag.max / 1e6,
  };
}

/**
 * Milliseconds each GET /healthz took, polled at a steady rate until `deadline`. One connection, so a
 * stalled server shows as one long request, not as many queued ones.
 */
async function pollHealthz(baseUrl: string, deadline: number): Promise<number[]> {
  const latencies: number[] = [];
  while (performance.now() < deadline) {
    const started = performance.now();
    const response = await fetch(`${baseUrl}/healthz`);
    await response.text();
    latencies.push(performance.now() - started);
    if (response.status !== 200) throw new Error(`GET /healthz answered ${response.status}.`);
    await sleep(Math.max(0, started + POLL_INTERVAL_MS - performance.now()));
  }
  return latencies;
}

/** The server's event-loop lag since the previous scrape, in milliseconds. */
async function readEventLoopLag({ baseUrl, token }: MetricsEndpoint): Promise<Spread> {
  const response = await fetch(`${baseUrl}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}: ${text}`);
  const read = (name: string) => {
    const match = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
    if (match === null) throw new Error(`/metrics has no ${name}.`);
    return Number(match[1]) * 1000;
  };
  return { p50Ms: read(LAG_METRICS.p50Ms), p99Ms: read(LAG_METRICS.p99Ms), maxMs: read(LAG_METRICS.maxMs) };
}
