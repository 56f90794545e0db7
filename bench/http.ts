/**
 * The `http` section of `npm run bench`: idle memory (first start and restart) and the request rate of
 * authenticated reads against an unauthenticated baseline measured in the same run, on embedded PGlite,
 * then the same rates on PostgreSQL (a throwaway server, or --postgres-url) where one can be had.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type LoadFigures, type LoadSettings, measureLoad } from "./load.ts";
import { openBenchPostgres } from "./postgres-server.ts";
import { median, type Row } from "./report.ts";
import { IDLE_WAIT_MS, readMemory, type ServerProcess, startServer } from "./server-process.ts";
import { assertSignedIn, authHeaders, setUpAccount } from "./setup-account.ts";

export interface HttpSettings extends LoadSettings {
  rounds: number;
  /** Where the PostgreSQL pass runs (else a throwaway server, where one can be started). */
  postgresUrl: string | undefined;
}

/** The authenticated reads against the baseline on PostgreSQL, or why they were not measured. */
export type PostgresHttpFigures =
  | { skipped: string }
  | {
      database: string;
      healthzRps: number;
      meCookieRps: number;
      meCookieP99Ms: number;
      meApiKeyRps: number;
      meApiKeyP99Ms: number;
      meCookieVsHealthz: number;
      meApiKeyVsHealthz: number;
    };

export interface HttpFigures {
  settings: { connections: number; durationSeconds: number; warmupSeconds: number; rounds: number };
  idleRssMb: number;
  firstStartIdleRssMb: number;
  healthzRps: number;
  healthzP50Ms: number;
  healthzP99Ms: number;
  meCookieRps: number;
  meCookieP50Ms: number;
  meCookieP99Ms: number;
  meApiKeyRps: number;
  meApiKeyP50Ms: number;
  meApiKeyP99Ms: number;
  meCookieVsHealthz: number;
  meApiKeyVsHealthz: number;
  rssAfterLoadMb: number;
  peakRssMb: number;
  postgres: PostgresHttpFigures;
}

/**
 * The first start creates the database (initdb inside PGlite), which leaves memory behind; every later
 * start opens an existing one. Idle memory is reported for both, the load runs on a restart.
 */
export async function measureHttp(
  root: string,
  settings: HttpSettings,
  progress: (message: string) => void,
): Promise<HttpFigures> {
  progress("http: first start, on a fresh data dir");
  const first = await startServer(root);
  await sleep(IDLE_WAIT_MS);
  const firstStartIdleRssMb = (await readMemory(first.pid)).rssMb;
  await first.stop({ keepDataDir: true });
  progress("http: restarting on the same data dir");
  const server = await startServer(root, { dataDir: first.dataDir });
  let figures: Omit<HttpFigures, "postgres">;
  try {
    figures = await measureRestarted(server, firstStartIdleRssMb, settings, progress);
  } finally {
    await server.stop();
  }
  return { ...figures, postgres: await measurePostgres(root, settings, progress) };
}

/** The same authenticated reads on PostgreSQL: one query each without the credential cache, none with it. */
async function measurePostgres(
  root: string,
  settings: HttpSettings,
  progress: (message: string) => void,
): Promise<PostgresHttpFigures> {
  const postgres = await openBenchPostgres(settings.postgresUrl, progress);
  if ("skipped" in postgres) return postgres;
  try {
    const server = await startServer(root, { env: { DATABASE_URL: postgres.url } });
    try {
      const { runs, ratio } = await measureReads(server, settings, (message) =>
        progress(`http (postgres): ${message}`),
      );
      const pick = (name: keyof typeof runs, field: keyof LoadFigures) => median(runs[name].map((run) => run[field]));
      return {
        database: postgres.name,
        healthzRps: pick("healthz", "requestsPerSecond"),
        meCookieRps: pick("meCookie", "requestsPerSecond"),
        meCookieP99Ms: pick("meCookie", "p99Ms"),
        meApiKeyRps: pick("meApiKey", "requestsPerSecond"),
        meApiKeyP99Ms: pick("meApiKey", "p99Ms"),
        meCookieVsHealthz: ratio("meCookie"),
        meApiKeyVsHealthz: ratio("meApiKey"),
      };
    } finally {
      await server.stop();
    }
  } finally {
    await postgres.close();
  }
}

async function measureRestarted(
  server: ServerProcess,
  firstStartIdleRssMb: number,
  settings: HttpSettings,
  progress: (message: string) => void,
): Promise<Omit<HttpFigures, "postgres">> {
  progress(`http: ready; idling ${IDLE_WAIT_MS / 1000} s before reading memory`);
  await sleep(IDLE_WAIT_MS);
  const idle = await readMemory(server.pid);
  const { runs, ratio } = await measureReads(server, settings, (message) => progress(`http: ${message}`));
  const after = await readMemory(server.pid);

  const pick = (name: keyof typeof runs, field: keyof LoadFigures) => median(runs[name].map((run) => run[field]));
  return {
    settings: {
      connections: settings.connections,
      durationSeconds: settings.durationSeconds,
      warmupSeconds: settings.warmupSeconds,
      rounds: settings.rounds,
    },
    idleRssMb: idle.rssMb,
    firstStartIdleRssMb,
    healthzRps: pick("healthz", "requestsPerSecond"),
    healthzP50Ms: pick("healthz", "p50Ms"),
    healthzP99Ms: pick("healthz", "p99Ms"),
    meCookieRps: pick("meCookie", "requestsPerSecond"),
    meCookieP50Ms: pick("meCookie", "p50Ms"),
    meCookieP99Ms: pick("meCookie", "p99Ms"),
    meApiKeyRps: pick("meApiKey", "requestsPerSecond"),
    meApiKeyP50Ms: pick("meApiKey", "p50Ms"),
    meApiKeyP99Ms: pick("meApiKey", "p99Ms"),
    meCookieVsHealthz: ratio("meCookie"),
    meApiKeyVsHealthz: ratio("meApiKey"),
    rssAfterLoadMb: after.rssMb,
    peakRssMb: after.peakRssMb,
  };
}

/** Rounds of /healthz, /api/auth/me by cookie and by key, interleaved; and each read's median ratio to the baseline. */
async function measureReads(server: ServerProcess, settings: HttpSettings, progress: (message: string) => void) {
  const credentials = await setUpAccount(server.baseUrl);
  const targets = {
    healthz: { url: `${server.baseUrl}/healthz`, headers: {} },
    meCookie: { url: `${server.baseUrl}/api/auth/me`, headers: authHeaders(credentials, "cookie") },
    meApiKey: { url: `${server.baseUrl}/api/auth/me`, headers: authHeaders(credentials, "api-key") },
  };
  await assertSignedIn(server.baseUrl, targets.meCookie.headers);
  await assertSignedIn(server.baseUrl, targets.meApiKey.headers);
  const runs: Record<keyof typeof targets, LoadFigures[]> = { healthz: [], meCookie: [], meApiKey: [] };
  for (let round = 1; round <= settings.rounds; round++) {
    // Interleaved, so drift in the machine's speed hits the baseline and the measured routes alike.
    for (const [name, target] of Object.entries(targets) as [keyof typeof targets, (typeof targets)["healthz"]][]) {
      progress(`round ${round}/${settings.rounds}: ${name} for ${settings.durationSeconds} s`);
      const figures = await measureLoad(target.url, target.headers, settings);
      progress(`  ${figures.requestsPerSecond.toFixed(0)} req/s, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms`);
      runs[name].push(figures);
    }
  }
  // Each round's ratio uses that round's baseline; the median of those is steadier than a ratio of medians.
  const ratio = (name: keyof typeof targets) =>
    median(
      runs[name].map((run, index) => run.requestsPerSecond / (runs.healthz[index] as LoadFigures).requestsPerSecond),
    );
  return { runs, ratio };
}

export function httpRows(figures: HttpFigures): Row[] {
  const row = (label: string, value: number, unit: string, digits: number): Row => [label, value.toFixed(digits), unit];
  return [
    row("Idle resident memory (restart)", figures.idleRssMb, "MB", 1),
    row("Idle resident memory (first start)", figures.firstStartIdleRssMb, "MB", 1),
    row("GET /healthz (baseline)", figures.healthzRps, "req/s", 0),
    row("  p50 latency", figures.healthzP50Ms, "ms", 0),
    row("  p99 latency", figures.healthzP99Ms, "ms", 0),
    row("GET /api/auth/me by cookie", figures.meCookieRps, "req/s", 0),
    row("  p50 latency", figures.meCookieP50Ms, "ms", 0),
    row("  p99 latency", figures.meCookieP99Ms, "ms", 0),
    row("  vs /healthz", figures.meCookieVsHealthz, "ratio", 2),
    row("GET /api/auth/me by API key", figures.meApiKeyRps, "req/s", 0),
    row("  p50 latency", figures.meApiKeyP50Ms, "ms", 0),
    row("  p99 latency", figures.meApiKeyP99Ms, "ms", 0),
    row("  vs /healthz", figures.meApiKeyVsHealthz, "ratio", 2),
    row("Resident memory after load", figures.rssAfterLoadMb, "MB", 1),
    row("Peak resident memory (restarted server)", figures.peakRssMb, "MB", 1),
    ...postgresRows(figures.postgres),
  ];
}

function postgresRows(figures: PostgresHttpFigures): Row[] {
  if ("skipped" in figures) return [["PostgreSQL", `skipped: ${figures.skipped}`, ""]];
  const row = (label: string, value: number, unit: string, digits: number): Row => [label, value.toFixed(digits), unit];
  return [
    [`On ${figures.database}`, "", ""],
    row("GET /healthz (baseline)", figures.healthzRps, "req/s", 0),
    row("GET /api/auth/me by cookie", figures.meCookieRps, "req/s", 0),
    row("  p99 latency", figures.meCookieP99Ms, "ms", 0),
    row("  vs /healthz", figures.meCookieVsHealthz, "ratio", 2),
    row("GET /api/auth/me by API key", figures.meApiKeyRps, "req/s", 0),
    row("  p99 latency", figures.meApiKeyP99Ms, "ms", 0),
    row("  vs /healthz", figures.meApiKeyVsHealthz, "ratio", 2),
  ];
}
