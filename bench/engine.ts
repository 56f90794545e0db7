/**
 * `npx tsx bench/engine.ts [--json]`: the embedded engine (LlamaCppProvider) against llama.cpp's own
 * `llama-bench`, in one run, on the same GGUF (a 768-wide, 12-layer F16 test model with random weights,
 * written to a temp dir) and the same thread count. Prints a table, or with --json one JSON object;
 * progress goes to stderr.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { LlamaCppProvider } from "@hearth/engine";
import { writeTestModel } from "@hearth/engine/testing";
import {
  ensureLlamaBench,
  findLlamaCppSource,
  type LlamaBenchFigures,
  LlamaBenchUnavailableError,
  runLlamaBench,
} from "./llama-bench.ts";
import { describeMachine } from "./machine.ts";
import { median } from "./report.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/**
 * Under node_modules/.cache: ignored by git, Biome and knip (a cmake build dir holds files named `*.ts`),
 * and wiped with the llama.cpp source it was built from when node_modules is reinstalled.
 */
const BUILD_DIR = join(root, "node_modules/.cache/hearth-llama-bench");
const MODEL = { layers: 12, width: 768, type: "f16", contextLength: 1024 } as const;
const MODEL_ID = "bench-768x12-f16";
const GENERATED_TOKENS = 128;
/** Words that are single tokens of the test vocabulary; 490 of them plus the chat template ≈ 512 tokens. */
const PROMPT_WORDS = 490;
const VOCABULARY_WORDS =
  "the and you hello world is it to of in that for on with as was are be this have not what can do".split(" ");
const GOAL = 0.9;
const USAGE = `Usage: npm run bench:engine -- [--json] [--threads n] [--repetitions 3]

  --json           print one JSON object instead of the table
  --threads n      CPU threads for both (default: what the engine chooses for this machine)
  --repetitions n  requests / llama-bench repetitions (engine figures are medians)
`;

interface Options {
  isJson: boolean;
  threads: number | undefined;
  repetitions: number;
}

interface EngineRun {
  promptTokens: number;
  completionTokens: number;
  promptTokensPerSecond: number;
  generationTokensPerSecond: number;
}

interface EngineFigures {
  date: string;
  machine: ReturnType<typeof describeMachine>;
  model: { layers: number; width: number; type: string; bytes: number; parameters: number };
  threads: number;
  repetitions: number;
  engine: {
    buildType: string;
    promptTokens: number;
    promptTokensPerSecond: number;
    generationTokensPerSecond: number;
    runs: EngineRun[];
  };
  llamaBench: LlamaBenchFigures;
  /** generation: against tg128 (empty context, as the brief's llama-bench line); generationAtDepth: like for like. */
  ratios: { prompt: number; generation: number; generationAtDepth: number; goal: number };
}

function readOptions(argv: string[]): Options | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: "boolean", default: false },
      threads: { type: "string" },
      repetitions: { type: "string", default: "3" },
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
  };
}

const progress = (message: string) => process.stderr.write(`[bench:engine] ${message}\n`);

/** A prompt of PROMPT_WORDS single-token words; `variant` changes the first words so no run reuses another's cache. */
function promptFor(variant: number): string {
  const words: string[] = [];
  for (let index = 0; index < PROMPT_WORDS; index++) {
    words.push(VOCABULARY_WORDS[(index * 7 + variant * 3) % VOCABULARY_WORDS.length] as string);
  }
  return words.join(" ");
}

/**
 * One request. Prompt speed is prompt tokens ÷ time to the first delta, which also covers templating,
 * tokenizing and the first generated token: an approximation that slightly understates it. Generation
 * speed counts the tokens after the first (the first one's time is in the prompt interval) ÷ the time
 * from the first delta to the finish.
 */
async function measureRequest(provider: LlamaCppProvider, prompt: string, maxTokens: number): Promise<EngineRun> {
  const started = performance.now();
  let firstDeltaAt: number | undefined;
  let finishedAt: number | undefined;
  let usage: { promptTokens: number; completionTokens: number } | undefined;
  let stopReason = "";
  for await (const part of provider.streamChat({
    model: MODEL_ID,
    messages: [{ role: "user", content: prompt }],
    maxTokens,
  })) {
    if (part.type === "delta") firstDeltaAt ??= performance.now();
    else if (part.type === "finish") {
      finishedAt = performance.now();
      usage = part.usage;
      stopReason = part.stopReason;
    }
  }
  if (firstDeltaAt === undefined || finishedAt === undefined || usage === undefined) {
    throw new Error("The engine's reply had no text or no finish.");
  }
  if (stopReason !== "length") progress(`  warning: the reply stopped with "${stopReason}" before ${maxTokens} tokens`);
  return {
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    promptTokensPerSecond: usage.promptTokens / ((firstDeltaAt - started) / 1000),
    generationTokensPerSecond: (usage.completionTokens - 1) / ((finishedAt - firstDeltaAt) / 1000),
  };
}

async function measureEngine(modelsDir: string, options: Options) {
  const provider = await LlamaCppProvider.create({
    modelsDir,
    gpu: false,
    contextSize: 1024,
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  });
  try {
    const info = provider.info();
    progress(`engine: build type ${info.buildType}, ${info.threads} thread(s); loading the model and warming up`);
    if (info.buildType !== "localBuild") {
      progress("  warning: the engine uses the prebuilt binary, not a build from the source llama-bench is built from");
    }
    // A full-size prompt: the first long batch after a load is slower (buffers are allocated then).
    await measureRequest(provider, promptFor(0), 8);
    const runs: EngineRun[] = [];
    for (let repetition = 1; repetition <= options.repetitions; repetition++) {
      const run = await measureRequest(provider, promptFor(repetition), GENERATED_TOKENS);
      progress(
        `  run ${repetition}/${options.repetitions}: ${run.promptTokens} prompt tokens at ` +
          `${run.promptTokensPerSecond.toFixed(1)} tok/s, ${run.completionTokens} generated at ` +
          `${run.generationTokensPerSecond.toFixed(1)} tok/s`,
      );
      runs.push(run);
    }
    return { info, runs };
  } finally {
    await provider.close();
  }
}

async function measure(modelsDir: string, options: Options): Promise<EngineFigures> {
  const machine = describeMachine();
  const source = await findLlamaCppSource(root);
  const binary = await ensureLlamaBench(BUILD_DIR, source, progress);

  progress(`writing a ${MODEL.width}×${MODEL.layers} ${MODEL.type.toUpperCase()} test model to ${modelsDir}`);
  const model = await writeTestModel(join(modelsDir, `${MODEL_ID}.gguf`), MODEL);

  // The engine goes first: it decides the thread count, which llama-bench then gets too.
  const { info, runs } = await measureEngine(modelsDir, options);
  progress(`llama-bench: -t ${info.threads} -p 512 -n ${GENERATED_TOKENS} -r ${options.repetitions}`);
  const llamaBench = await runLlamaBench(binary, model.path, info.threads, options.repetitions);
  progress(
    `  pp512 ${llamaBench.promptTokensPerSecond.toFixed(1)} tok/s, ` +
      `tg${GENERATED_TOKENS} ${llamaBench.generationTokensPerSecond.toFixed(1)} tok/s, ` +
      `tg${GENERATED_TOKENS} @ d512 ${llamaBench.generationAtDepthTokensPerSecond.toFixed(1)} tok/s`,
  );

  const promptTokensPerSecond = median(runs.map((run) => run.promptTokensPerSecond));
  const generationTokensPerSecond = median(runs.map((run) => run.generationTokensPerSecond));
  return {
    date: new Date().toISOString().slice(0, 10),
    machine,
    model: {
      layers: model.layers,
      width: model.width,
      type: MODEL.type,
      bytes: model.bytes,
      parameters: llamaBench.modelParameters,
    },
    threads: info.threads,
    repetitions: options.repetitions,
    engine: {
      buildType: info.buildType,
      promptTokens: median(runs.map((run) => run.promptTokens)),
      promptTokensPerSecond,
      generationTokensPerSecond,
      runs,
    },
    llamaBench,
    ratios: {
      prompt: promptTokensPerSecond / llamaBench.promptTokensPerSecond,
      generation: generationTokensPerSecond / llamaBench.generationTokensPerSecond,
      generationAtDepth: generationTokensPerSecond / llamaBench.generationAtDepthTokensPerSecond,
      goal: GOAL,
    },
  };
}

function formatTable(figures: EngineFigures): string {
  const { machine, model, engine, llamaBench, ratios } = figures;
  const verdict = (ratio: number) => (ratio >= GOAL ? "ok" : `below ${GOAL}`);
  const rows: [string, string, string][] = [
    [
      "Model",
      `${(model.bytes / 1e6).toFixed(1)} MB`,
      `${model.width}×${model.layers} ${model.type.toUpperCase()}, ${(model.parameters / 1e6).toFixed(1)} M parameters`,
    ],
    ["Threads (both)", String(figures.threads), ""],
    ["Engine build type", engine.buildType, `llama.cpp ${llamaBench.buildCommit}`],
    [
      "llama-bench pp512",
      llamaBench.promptTokensPerSecond.toFixed(1),
      `tok/s (± ${llamaBench.promptStddev.toFixed(1)}, mean of ${figures.repetitions})`,
    ],
    [
      `llama-bench tg${GENERATED_TOKENS}`,
      llamaBench.generationTokensPerSecond.toFixed(1),
      `tok/s (± ${llamaBench.generationStddev.toFixed(1)}, mean of ${figures.repetitions})`,
    ],
    [
      `llama-bench tg${GENERATED_TOKENS} @ d512`,
      llamaBench.generationAtDepthTokensPerSecond.toFixed(1),
      `tok/s (± ${llamaBench.generationAtDepthStddev.toFixed(1)}, after 512 tokens of context, as the engine)`,
    ],
    [
      "Engine prompt",
      engine.promptTokensPerSecond.toFixed(1),
      `tok/s (${engine.promptTokens} tokens, to first delta: approximate; median of ${figures.repetitions})`,
    ],
    [
      "Engine generation",
      engine.generationTokensPerSecond.toFixed(1),
      `tok/s (${GENERATED_TOKENS} tokens streamed after the prompt; median of ${figures.repetitions})`,
    ],
    ["  prompt, engine / llama-bench", ratios.prompt.toFixed(2), verdict(ratios.prompt)],
    ["  generation, engine / tg128", ratios.generation.toFixed(2), "(engine has 512 tokens of context, tg128 none)"],
    ["  generation, engine / tg128 @ d512", ratios.generationAtDepth.toFixed(2), verdict(ratios.generationAtDepth)],
  ];
  const labelWidth = Math.max(...rows.map(([label]) => label.length));
  const valueWidth = Math.max(...rows.map(([, value]) => value.length));
  return [
    `Hearth engine benchmark, ${figures.date}: ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, ` +
      `load average ${machine.loadAverage.toFixed(1)} at start`,
    `Same GGUF and threads for both; goal: engine / llama-bench ≥ ${GOAL}`,
    "",
    ...rows.map(([label, value, note]) =>
      `${label.padEnd(labelWidth)}  ${value.padStart(valueWidth)}  ${note}`.trimEnd(),
    ),
    "",
  ].join("\n");
}

function formatJson(figures: EngineFigures): string {
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return `${JSON.stringify(figures, (_key, value: unknown) => (typeof value === "number" ? round(value) : value))}\n`;
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
  let figures: EngineFigures;
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
    `[bench:engine] ${error instanceof LlamaBenchUnavailableError ? "cannot run" : "failed"}: ${message}\n`,
  );
  process.exit(error instanceof LlamaBenchUnavailableError ? 2 : 1);
});
