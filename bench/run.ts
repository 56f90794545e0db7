/**
 * `npm run bench`: builds the server and measures, each against a baseline taken in the same run:
 *   http    idle memory, and authenticated request rates against /healthz (embedded PGlite)
 *   engine  the engine against llama.cpp's llama-bench (skipped without a local llama.cpp build)
 *   chat    SSE streaming against the engine called directly, the last page of a 100,000-message
 *           conversation (PGlite and PostgreSQL), time to first delta, memory after 1,000 messages
 *   stall   event-loop lag and /healthz latency while users send 400 KB pathological messages, against
 *           the same server idle (its own test model, with a 16,384-token context)
 * The engine and chat sections share one generated test model. Prints a table, or with --json one JSON
 * object; progress goes to stderr.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BenchModel, describeModel, writeBenchModel } from "./bench-model.ts";
import { type ChatFigures, measureChat } from "./chat.ts";
import { chatRows } from "./chat-report.ts";
import { cleanUpOnSignals, undoOnInterrupt } from "./cleanup.ts";
import {
  ENGINE_GOAL,
  type EngineFigures,
  engineRows,
  llamaBenchBuildDir,
  measureEngineAgainstLlamaBench,
  NoLocalBuildError,
} from "./engine-vs-llama-bench.ts";
import { type HttpFigures, httpRows, measureHttp } from "./http.ts";
import { LlamaBenchUnavailableError } from "./llama-bench.ts";
import { describeMachine } from "./machine.ts";
import { formatJson, formatRows } from "./report.ts";
import { type Options, readOptions, USAGE } from "./run-options.ts";
import { buildServer } from "./server-process.ts";
import { measureStall, type StallFigures, stallRows } from "./stall.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`);

interface Figures {
  date: string;
  machine: ReturnType<typeof describeMachine>;
  sections: string[];
  model?: { id: string; width: number; layers: number; type: string; bytes: number };
  http?: HttpFigures;
  engine?: EngineFigures | { skipped: string };
  chat?: ChatFigures;
  stall?: StallFigures;
}

async function measure(options: Options): Promise<Figures> {
  const figures: Figures = {
    date: new Date().toISOString().slice(0, 10),
    machine: describeMachine(),
    sections: [...options.sections],
  };
  if (options.sections.has("http") || options.sections.has("chat") || options.sections.has("stall")) {
    progress("building apps/server/dist/main.js");
    await buildServer(root);
  }
  if (options.sections.has("http")) figures.http = await measureHttp(root, options, progress);
  if (options.sections.has("stall")) figures.stall = await measureStall(root, options, progress);
  if (!options.sections.has("engine") && !options.sections.has("chat")) return figures;

  const modelsDir = await mkdtemp(join(tmpdir(), "hearth-bench-models-"));
  const removeModels = () => rm(modelsDir, { recursive: true, force: true });
  const forget = undoOnInterrupt(removeModels);
  try {
    const model = await writeBenchModel(modelsDir);
    progress(`wrote the ${describeModel(model)}`);
    const { id, width, layers, type, bytes } = model;
    figures.model = { id, width, layers, type, bytes };
    if (options.sections.has("engine")) figures.engine = await measureEngine(model, options);
    if (options.sections.has("chat")) figures.chat = await measureChat(root, model, options, progress);
  } finally {
    forget();
    await removeModels();
  }
  return figures;
}

async function measureEngine(model: BenchModel, options: Options): Promise<EngineFigures | { skipped: string }> {
  try {
    return await measureEngineAgainstLlamaBench(
      root,
      llamaBenchBuildDir(root),
      model,
      { threads: options.threads, repetitions: options.repetitions, requireLocalBuild: true },
      progress,
    );
  } catch (error) {
    if (!(error instanceof LlamaBenchUnavailableError || error instanceof NoLocalBuildError)) throw error;
    progress(`engine: skipped: ${error.message}`);
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
  if (figures.engine) {
    parts.push("", `== engine against llama-bench: same GGUF and threads; goal engine / llama-bench ≥ ${ENGINE_GOAL}`);
    parts.push(
      "skipped" in figures.engine ? `skipped: ${figures.engine.skipped}` : formatRows(engineRows(figures.engine)),
    );
  }
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
