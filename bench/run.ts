/**
 * `npm run bench`: builds the server and measures, each against a baseline taken in the same run:
 *   http    idle memory, and authenticated request rates against /healthz (embedded PGlite)
 *   engine  the engine, and llama.cpp's llama-server, against llama.cpp's llama-bench
 *   v1      /v1/chat/completions against llama-server, streamed to the openai client
 *   batched 8 replies at once against 1 (engine direct and /v1), against llama-batched-bench
 *   chat    SSE streaming against the engine called directly, the last page of a 100,000-message
 *           conversation (PGlite and PostgreSQL), time to first delta, memory after 1,000 messages
 *   stall   event-loop lag and /healthz latency while users send 400 KB pathological messages, against
 *           the same server idle (its own test model, with a 16,384-token context)
 *   web     the web app in Chromium: opening a 10,000-message conversation against a 100-message one,
 *           the JS heap after scrolling it end to end against just opened, frames/s while a reply
 *           streams against idle
 *   cluster three nodes on PostgreSQL and Redis: SSE fan-out to 1,000 clients against one per node,
 *           each node's event-loop lag and memory (skipped, saying why, without redis-server or PostgreSQL)
 *   edge    deploy/edge/hearth.config.json on a Q4_0 model against the defaults on F16: start time and
 *           the memory of the server with its llama.cpp process
 * engine, v1 and batched are skipped, saying why, without a local llama.cpp build or a compiler for
 * llama.cpp's tools. The engine, v1, batched and chat sections share one generated test model. Prints a
 * table, or with --json one JSON object; progress goes to stderr.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { hasLocalBuild } from "@hearth/engine";
import { BATCHED_GOAL, type BatchedFigures, measureBatched } from "./batched.ts";
import { batchedRows } from "./batched-report.ts";
import { describeModel, writeBenchModel } from "./bench-model.ts";
import { type ChatFigures, measureChat } from "./chat.ts";
import { chatRows } from "./chat-report.ts";
import { cleanUpOnSignals, undoOnInterrupt } from "./cleanup.ts";
import { type ClusterFigures, clusterRows, measureCluster } from "./cluster.ts";
import { type EdgeFigures, edgeRows, measureEdge } from "./edge.ts";
import { engineRows } from "./engine-report.ts";
import { ENGINE_GOAL, type EngineFigures, measureEngineAgainstLlamaBench } from "./engine-vs-llama-bench.ts";
import { type HttpFigures, httpRows, measureHttp } from "./http.ts";
import {
  ensureLlamaTools,
  findLlamaCppSource,
  type LlamaTool,
  LlamaToolsUnavailableError,
  llamaToolsBuildDir,
} from "./llama-tools.ts";
import { describeMachine } from "./machine.ts";
import { NoLocalBuildError } from "./open-engine.ts";
import { formatJson, formatRows, type Row } from "./report.ts";
import { type Options, readOptions, type Section, USAGE } from "./run-options.ts";
import { buildServer } from "./server-process.ts";
import { measureStall, type StallFigures, stallRows } from "./stall.ts";
import { measureV1, V1_GOALS, type V1Figures } from "./v1.ts";
import { v1Rows } from "./v1-report.ts";
import { measureWeb, type WebFigures, webRows } from "./web.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`);
const buildDir = llamaToolsBuildDir(root);

interface Skipped {
  skipped: string;
}

interface Figures {
  date: string;
  machine: ReturnType<typeof describeMachine>;
  sections: string[];
  model?: { id: string; width: number; layers: number; type: string; bytes: number };
  http?: HttpFigures;
  engine?: EngineFigures | Skipped;
  v1?: V1Figures | Skipped;
  batched?: BatchedFigures | Skipped;
  chat?: ChatFigures;
  stall?: StallFigures;
  web?: WebFigures | Skipped;
  cluster?: ClusterFigures | Skipped;
  edge?: EdgeFigures;
}

async function measure(options: Options): Promise<Figures> {
  const figures: Figures = {
    date: new Date().toISOString().slice(0, 10),
    machine: describeMachine(),
    sections: [...options.sections],
  };
  const { sections } = options;
  const hasAny = (...names: Section[]) => names.some((name) => sections.has(name));
  if (hasAny("http", "v1", "batched", "chat", "stall", "web", "cluster", "edge")) {
    progress("building apps/server/dist/main.js");
    await buildServer(root);
  }
  if (sections.has("http")) figures.http = await measureHttp(root, options, progress);
  if (sections.has("stall")) figures.stall = await measureStall(root, options, progress);
  if (sections.has("cluster")) {
    const { fanOutClients, replies, postgresUrl } = options;
    figures.cluster = await measureCluster(root, { fanOutClients, replies, postgresUrl }, progress);
    if ("skipped" in figures.cluster) progress(`cluster: skipped: ${figures.cluster.skipped}`);
  }
  if (sections.has("edge")) figures.edge = await measureEdge(root, progress);
  if (!hasAny("engine", "v1", "batched", "chat", "web")) return figures;
  await buildLlamaTools(options);

  const modelsDir = await mkdtemp(join(tmpdir(), "hearth-bench-models-"));
  const removeModels = () => rm(modelsDir, { recursive: true, force: true });
  const forget = undoOnInterrupt(removeModels);
  try {
    const model = await writeBenchModel(modelsDir);
    progress(`wrote the ${describeModel(model)}`);
    const { id, width, layers, type, bytes } = model;
    figures.model = { id, width, layers, type, bytes };
    const settings = { threads: options.threads, repetitions: options.repetitions };
    if (sections.has("engine")) {
      figures.engine = await orSkipped("engine", () =>
        measureEngineAgainstLlamaBench(root, buildDir, model, { ...settings, requireLocalBuild: true }, progress),
      );
    }
    if (sections.has("v1")) {
      figures.v1 = await orSkipped("v1", () => measureV1(root, buildDir, model, settings, progress));
    }
    if (sections.has("batched")) {
      figures.batched = await orSkipped("batched", () => measureBatched(root, buildDir, model, settings, progress));
    }
    if (sections.has("chat")) figures.chat = await measureChat(root, model, options, progress);
    if (sections.has("web")) figures.web = await measureWeb(root, model, options, progress);
  } finally {
    forget();
    await removeModels();
  }
  return figures;
}

/**
 * Builds the llama.cpp tools the chosen sections need in one cmake run (faster than one per section),
 * unless the engine has no local build: those sections are skipped then, before minutes of building.
 */
async function buildLlamaTools({ sections }: Options): Promise<void> {
  const tools: LlamaTool[] = [];
  if (sections.has("engine")) tools.push("llama-bench", "llama-server");
  if (sections.has("v1") && !tools.includes("llama-server")) tools.push("llama-server");
  if (sections.has("batched")) tools.push("llama-batched-bench");
  if (tools.length === 0 || !(await hasLocalBuild())) return;
  try {
    await ensureLlamaTools(buildDir, await findLlamaCppSource(root), tools, progress);
  } catch (error) {
    // Each section says so itself when it is skipped.
    if (!(error instanceof LlamaToolsUnavailableError)) throw error;
  }
}

/** A section that needs a local llama.cpp build and llama.cpp's tools, or the reason it could not run. */
async function orSkipped<T>(section: string, measure: () => Promise<T>): Promise<T | Skipped> {
  try {
    return await measure();
  } catch (error) {
    if (!(error instanceof LlamaToolsUnavailableError || error instanceof NoLocalBuildError)) throw error;
    progress(`${section}: skipped: ${error.message}`);
    return { skipped: error.message };
  }
}

function formatTable(figures: Figures, options: Options): string {
  const { machine } = figures;
  const parts = [
    `Hearth benchmark, ${figures.date}: ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, ` +
      `load average ${machine.loadAverage.toFixed(1)} at start`,
  ];
  if (figures.model) parts.push(`Engine and chat figures on the ${describeModel(figures.model)}`);
  if (figures.http) {
    parts.push(
      "",
      `== http: embedded PGlite, ${options.connections} connections, ${options.rounds} round(s) of ` +
        `${options.durationSeconds} s after ${options.warmupSeconds} s warm-up; figures are medians over rounds`,
      formatRows(httpRows(figures.http), { header: true }),
    );
  }
  const section = <T extends object>(title: string, measured: T | Skipped | undefined, rows: (figures: T) => Row[]) => {
    if (measured === undefined) return;
    parts.push("", title, "skipped" in measured ? `skipped: ${measured.skipped}` : formatRows(rows(measured)));
  };
  section(
    `== engine: the engine and llama-server against llama-bench, same GGUF and threads; goal ≥ ${ENGINE_GOAL}`,
    figures.engine,
    engineRows,
  );
  section(
    `== v1: /v1/chat/completions against llama-server, streamed to the openai client, interleaved; goals ` +
      `tokens/s ≥ ${V1_GOALS.tokensPerSecond}, time to first token ≤ ${V1_GOALS.firstToken}`,
    figures.v1,
    v1Rows,
  );
  section(
    `== batched: 8 replies at once against 1 on one model; goal ≥ ${BATCHED_GOAL}×, llama-batched-bench the limit`,
    figures.batched,
    batchedRows,
  );
  if (figures.web) {
    parts.push(
      "",
      "== web: the web app in Chromium, each figure against a baseline from the same run",
      formatRows(webRows(figures.web)),
    );
  }
  section(
    `== cluster: three nodes sharing PostgreSQL and Redis, one writes the replies; ${options.fanOutClients} clients ` +
      `spread over them against one per node, ${options.replies} replies each`,
    figures.cluster,
    clusterRows,
  );
  section(
    "== edge: deploy/edge/hearth.config.json on a Q4_0 model (512 wide, 8 layers) against the defaults on the same model in F16",
    figures.edge,
    edgeRows,
  );
  if (figures.chat) {
    parts.push("", "== chat: each figure against a baseline from the same run", formatRows(chatRows(figures.chat)));
  }
  if (figures.stall) {
    parts.push(
      "",
      `== stall: ${figures.stall.model}, ${figures.stall.contextSize}-token context; /healthz polled every 20 ms, ` +
        `idle then under load (${options.stallSeconds} s each); before the fix /healthz took 14–18 s`,
      formatRows(stallRows(figures.stall)),
    );
  }
  return `${parts.join("\n")}\n`;
}

async function main(): Promise<void> {
  const options = readOptions(process.argv.slice(2));
  if (options === "help") {
    process.stdout.write(USAGE);
    return;
  }
  cleanUpOnSignals(progress);
  const figures = await measure(options);
  process.stdout.write(options.isJson ? formatJson(figures) : formatTable(figures, options));
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench] failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
