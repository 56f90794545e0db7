/** One autocannon measurement against one URL, refusing results that contain errors or non-2xx answers. */
import autocannon, { type Result } from "autocannon";

export interface LoadSettings {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
}

export interface LoadFigures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export async function measureLoad(
  url: string,
  headers: Record<string, string>,
  settings: LoadSettings,
): Promise<LoadFigures> {
  const options = { url, headers, connections: settings.connections };
  // The warm-up lets V8 optimise the handlers and PGlite fill its caches before anything is counted.
  if (settings.warmupSeconds > 0)
    assertAllSucceeded(await autocannon({ ...options, duration: settings.warmupSeconds }));
  const result = await autocannon({ ...options, duration: settings.durationSeconds });
  assertAllSucceeded(result);
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}

function assertAllSucceeded(result: Result): void {
  const succeeded = result["2xx"];
  if (result.non2xx === 0 && result.errors === 0 && result.timeouts === 0 && succeeded > 0) return;
  const statuses = Object.entries(result.statusCodeStats)
    .map(([status, { count }]) => `${status}×${count}`)
    .join(", ");
  throw new Error(
    `Load on ${result.url} was not all 2xx: ${succeeded} 2xx, ${result.non2xx} non-2xx, ` +
      `${result.errors} errors (${result.timeouts} timeouts); statuses: ${statuses || "none"}.`,
  );
}
