/**
 * `npm run bench`: builds the server, runs it on a fresh data dir, and measures idle memory and the
 * request rate of authenticated reads against an unauthenticated baseline measured in the same run.
 * Prints a table, or with --json one JSON object; progress goes to stderr.
 */
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type LoadFigures, type LoadSettings, measureLoad } from "./load.ts";
import { describeMachine } from "./machine.ts";
import { type Figures, formatJson, formatTable, median } from "./report.ts";
import { buildServer, readMemory, type ServerProcess, startServer } from "./server-process.ts";
import { assertSignedIn, authHeaders, setUpAccount } from "./setup-account.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const IDLE_WAIT_MS = 3_000;
const USAGE = `Usage: npm run bench -- [--json] [--duration 5] [--warmup 1] [--connections 10] [--rounds 1]

  --json           print one JSON object instead of the table
  --duration s     seconds measured per endpoint and round
  --warmup s       seconds of unmeasured load before each measurement
  --connections n  concurrent connections
  --rounds n       repeat healthz, me-by-cookie, me-by-key n times; report medians
`;

interface Options extends LoadSettings {
  isJson: boolean;
  rounds: number;
}

function readOptions(argv: string[]): Options | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: "boolean", default: false },
      duration: { type: "string", default: "5" },
      warmup: { type: "string", default: "1" },
      connections: { type: "string", default: "10" },
      rounds: { type: "string", default: "1" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return "help";
  const number = (name: string, text: string, minimum: number) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < minimum) throw new Error(`--${name} must be an integer ≥ ${minimum}.`);
    return value;
  };
  return {
    isJson: values.json,
    durationSeconds: number("duration", values.duration, 1),
    warmupSeconds: number("warmup", values.warmup, 0),
    connections: number("connections", values.connections, 1),
    rounds: number("rounds", values.rounds, 1),
  };
}

const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`);

async function measure(server: ServerProcess, firstStartIdleRssMb: number, options: Options): Promise<Figures> {
  progress(`ready; idling ${IDLE_WAIT_MS / 1000} s before reading memory`);
  await sleep(IDLE_WAIT_MS);
  const idle = await readMemory(server.pid);

  const machine = describeMachine();
  const credentials = await setUpAccount(server.baseUrl);
  const targets = {
    healthz: { url: `${server.baseUrl}/healthz`, headers: {} },
    meCookie: { url: `${server.baseUrl}/api/auth/me`, headers: authHeaders(credentials, "cookie") },
    meApiKey: { url: `${server.baseUrl}/api/auth/me`, headers: authHeaders(credentials, "api-key") },
  };
  await assertSignedIn(server.baseUrl, targets.meCookie.headers);
  await assertSignedIn(server.baseUrl, targets.meApiKey.headers);

  const runs: Record<keyof typeof targets, LoadFigures[]> = { healthz: [], meCookie: [], meApiKey: [] };
  for (let round = 1; round <= options.rounds; round++) {
    // Interleaved, so drift in the machine's speed hits the baseline and the measured routes alike.
    for (const [name, target] of Object.entries(targets) as [keyof typeof targets, (typeof targets)["healthz"]][]) {
      progress(`round ${round}/${options.rounds}: ${name} for ${options.durationSeconds} s`);
      const figures = await measureLoad(target.url, target.headers, options);
      progress(`  ${figures.requestsPerSecond.toFixed(0)} req/s, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms`);
      runs[name].push(figures);
    }
  }
  const after = await readMemory(server.pid);

  const pick = (name: keyof typeof targets, field: keyof LoadFigures) => median(runs[name].map((run) => run[field]));
  // Each round's ratio uses that round's baseline; the median of those is steadier than a ratio of medians.
  const ratio = (name: keyof typeof targets) =>
    median(
      runs[name].map((run, index) => run.requestsPerSecond / (runs.healthz[index] as LoadFigures).requestsPerSecond),
    );
  return {
    date: new Date().toISOString().slice(0, 10),
    machine,
    settings: {
      connections: options.connections,
      durationSeconds: options.durationSeconds,
      warmupSeconds: options.warmupSeconds,
      rounds: options.rounds,
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

async function main(): Promise<void> {
  const options = readOptions(process.argv.slice(2));
  if (options === "help") {
    process.stdout.write(USAGE);
    return;
  }
  progress("building apps/server/dist/main.js");
  await buildServer(root);
  // The first start creates the database (initdb inside PGlite), which leaves memory behind; every
  // later start opens an existing one. Idle memory is reported for both, the load runs on a restart.
  progress("first start, on a fresh data dir");
  const first = await startServer(root);
  await sleep(IDLE_WAIT_MS);
  const firstStartIdleRssMb = (await readMemory(first.pid)).rssMb;
  await first.stop({ keepDataDir: true });
  progress("restarting on the same data dir");
  const server = await startServer(root, first.dataDir);
  const stopOnSignal = () => {
    progress("interrupted; stopping the server");
    void server.stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", stopOnSignal);
  process.once("SIGTERM", stopOnSignal);
  let figures: Figures;
  try {
    figures = await measure(server, firstStartIdleRssMb, options);
  } finally {
    progress("stopping the server");
    await server.stop();
  }
  process.stdout.write(options.isJson ? formatJson(figures) : formatTable(figures));
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench] failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
