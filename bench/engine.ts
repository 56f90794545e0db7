/**
 * `npx tsx bench/engine.ts [--json]`: the engine as Hearth runs it (EngineProcess) and `llama-server` against
 * llama.cpp's own `llama-bench`, in one run, on the same GGUF (a 768-wide, 12-layer F16 test model with
 * random weights, written to a temp dir) and the same thread count. Prints a table, or with --json one JSON object;
 * progress goes to stderr. `npm run bench` runs the same comparison on its own, smaller model.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { writeTestModel } from "@hearth/engine/testing";
import { engineRows } from "./engine-report.ts";
import { ENGINE_GOAL, type EngineFigures, measureEngineAgainstLlamaBench } from "./engine-vs-llama-bench.ts";
import { LlamaToolsUnavailableError, llamaToolsBuildDir } from "./llama-tools.ts";
import { describeMachine } from "./machine.ts";
import { formatJson, formatRows } from "./report.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const USAGE = `Usage: npm run bench:engine -- [--json] [--threads n] [--repetitions 3] [--width 768] [--layers 12]

  --json           print one JSON object instead of the table
  --threads n      CPU threads for both (default: what the engine chooses for this machine)
  --repetitions n  requests / llama-bench repetitions (engine figures are medians)
  --width, --layers  the F16 test model's size (default 768 × 12, 143 MB; 1536 × 8 is 381 MB)
`;

interface Options {
  isJson: boolean;
  threads: number | undefined;
  repetitions: number;
  width: number;
  layers: number;
}

type Figures = EngineFigures & { date: string; machine: ReturnType<typeof describeMachine> };

function readOptions(argv: string[]): Options | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: "boolean", default: false },
      threads: { type: "string" },
      repetitions: { type: "string", default: "3" },
      width: { type: "string", default: "768" },
      layers: { type: "string", default: "12" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return "help";
  const number = (name: string, text: string) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be an integer ≥ 1.`);
    return value;
  };
  return {
    isJson: values.json,
    threads: values.threads === undefined ? undefined : number("threads", values.threads),
    repetitions: number("repetitions", values.repetitions),
    width: number("width", values.width),
    layers: number("layers", values.layers),
  };
}

const progress = (message: string) => process.stderr.write(`[bench:engine] ${message}\n`);

async function measure(modelsDir: string, options: Options): Promise<Figures> {
  const machine = describeMachine();
  const spec = { layers: options.layers, width: options.width, type: "f16", contextLength: 1024 } as const;
  const modelId = `bench-${spec.width}x${spec.layers}-f16`;
  progress(`writing a ${spec.width}×${spec.layers} F16 test model to ${modelsDir}`);
  const model = await writeTestModel(join(modelsDir, `${modelId}.gguf`), spec);
  const figures = await measureEngineAgainstLlamaBench(
    root,
    llamaToolsBuildDir(root),
    { ...model, id: modelId, modelsDir, type: spec.type },
    { threads: options.threads, repetitions: options.repetitions, requireLocalBuild: false },
    progress,
  );
  return { date: new Date().toISOString().slice(0, 10), machine, ...figures };
}

function formatTable(figures: Figures): string {
  const { machine } = figures;
  return [
    `Hearth engine benchmark, ${figures.date}: ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, ` +
      `load average ${machine.loadAverage.toFixed(1)} at start`,
    `Same GGUF and threads for all three; goal: engine / llama-bench ≥ ${ENGINE_GOAL}`,
    "",
    formatRows(engineRows(figures)),
    "",
  ].join("\n");
}

async function main(): Promise<void> {
  const options = readOptions(process.argv.slice(2));
  if (options === "help") {
    process.stdout.write(USAGE);
    return;
  }
  const modelsDir = await mkdtemp(join(tmpdir(), "hearth-bench-engine-"));
  const removeModel = () => rm(modelsDir, { recursive: true, force: true });
  const onSignal = () => {
    progress("interrupted; removing the test model");
    void removeModel().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  let figures: Figures;
  try {
    figures = await measure(modelsDir, options);
  } finally {
    await removeModel();
  }
  process.stdout.write(options.isJson ? formatJson(figures) : formatTable(figures));
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(
    `[bench:engine] ${error instanceof LlamaToolsUnavailableError ? "cannot run" : "failed"}: ${message}\n`,
  );
  process.exit(error instanceof LlamaToolsUnavailableError ? 2 : 1);
});
