/**
 * The embedded engine (LlamaCppProvider) against llama.cpp's own `llama-bench` on the same GGUF and
 * thread count: prompt and generation tokens per second, and their ratios. Used by `npm run bench`
 * (on the bench model) and `npm run bench:engine` (on a larger one).
 */
import { join } from "node:path";
import { LlamaCppProvider } from "@hearth/engine";
import { promptOf } from "./bench-model.ts";
import { ensureLlamaBench, findLlamaCppSource, type LlamaBenchFigures, runLlamaBench } from "./llama-bench.ts";
import { median } from "./report.ts";

const GENERATED_TOKENS = 128;
/** Single-token words; 490 of them plus the chat template ≈ 512 tokens, as llama-bench's pp512. */
const PROMPT_WORDS = 490;
export const ENGINE_GOAL = 0.9;

export interface EngineModel {
  id: string;
  path: string;
  modelsDir: string;
  layers: number;
  width: number;
  type: string;
  bytes: number;
}

export interface EngineSettings {
  threads: number | undefined;
  repetitions: number;
  /** Refuse to measure the prebuilt binary (`npm run bench` skips the section instead of comparing unlike builds). */
  requireLocalBuild: boolean;
}

interface EngineRun {
  promptTokens: number;
  completionTokens: number;
  promptTokensPerSecond: number;
  generationTokensPerSecond: number;
}

export interface EngineFigures {
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
  /** generation: against tg128 (empty context); generationAtDepth: like for like. */
  ratios: { prompt: number; generation: number; generationAtDepth: number; goal: number };
}

/** Thrown when the engine runs the prebuilt binary and the caller asked for a local build. */
export class NoLocalBuildError extends Error {}

/**
 * One request. Prompt speed is prompt tokens ÷ time to the first delta, which also covers templating,
 * tokenizing and the first generated token: an approximation that slightly understates it. Generation
 * speed counts the tokens after the first (the first one's time is in the prompt interval) ÷ the time
 * from the first delta to the finish.
 */
async function measureRequest(
  provider: LlamaCppProvider,
  modelId: string,
  prompt: string,
  maxTokens: number,
  progress: (message: string) => void,
): Promise<EngineRun> {
  const started = performance.now();
  let firstDeltaAt: number | undefined;
  let finishedAt: number | undefined;
  let usage: { promptTokens: number; completionTokens: number } | undefined;
  let stopReason = "";
  const languageModel = await provider.languageModel(modelId);
  for await (const part of languageModel.doStream({
    prompt: [{ role: "user", content: [{ type: "text", text: prompt }] }],
    maxOutputTokens: maxTokens,
  })) {
    if (part.type === "text-delta") firstDeltaAt ??= performance.now();
    else if (part.type === "finish") {
      finishedAt = performance.now();
      usage = { promptTokens: part.usage.inputTokens, completionTokens: part.usage.outputTokens };
      stopReason = part.finishReason;
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

async function openEngine(model: EngineModel, settings: EngineSettings, progress: (message: string) => void) {
  const provider = await LlamaCppProvider.create({
    modelsDir: model.modelsDir,
    gpu: false,
    contextSize: 1024,
    ...(settings.threads === undefined ? {} : { threads: settings.threads }),
  });
  if (provider.info().buildType === "localBuild") return provider;
  if (settings.requireLocalBuild) {
    await provider.close();
    throw new NoLocalBuildError(
      "the engine runs node-llama-cpp's prebuilt binary, not a build from the source llama-bench is built " +
        "from; run `npm run build-llama` first (needs cmake, g++ and git, ≈ 4 min on 2 cores)",
    );
  }
  progress("  warning: the engine uses the prebuilt binary, not a build from the source llama-bench is built from");
  return provider;
}

async function measureEngine(
  provider: LlamaCppProvider,
  model: EngineModel,
  settings: EngineSettings,
  progress: (message: string) => void,
): Promise<EngineRun[]> {
  const info = provider.info();
  progress(`engine: build type ${info.buildType}, ${info.threads} thread(s); loading the model and warming up`);
  // A full-size prompt: the first long batch after a load is slower (buffers are allocated then).
  await measureRequest(provider, model.id, promptOf(PROMPT_WORDS, 0), 8, progress);
  const runs: EngineRun[] = [];
  for (let repetition = 1; repetition <= settings.repetitions; repetition++) {
    const run = await measureRequest(
      provider,
      model.id,
      promptOf(PROMPT_WORDS, repetition),
      GENERATED_TOKENS,
      progress,
    );
    progress(
      `  run ${repetition}/${settings.repetitions}: ${run.promptTokens} prompt tokens at ` +
        `${run.promptTokensPerSecond.toFixed(1)} tok/s, ${run.completionTokens} generated at ` +
        `${run.generationTokensPerSecond.toFixed(1)} tok/s`,
    );
    runs.push(run);
  }
  return runs;
}

/**
 * Builds llama-bench into `buildDir` unless built from the same source already (a few minutes), then
 * measures both. Throws LlamaBenchUnavailableError or NoLocalBuildError when a prerequisite is missing.
 */
export async function measureEngineAgainstLlamaBench(
  root: string,
  buildDir: string,
  model: EngineModel,
  settings: EngineSettings,
  progress: (message: string) => void,
): Promise<EngineFigures> {
  const source = await findLlamaCppSource(root);
  // Opened first: it refuses a prebuilt binary before minutes of building, and decides the thread
  // count, which llama-bench then gets too.
  const provider = await openEngine(model, settings, progress);
  const info = provider.info();
  let binary: string;
  let runs: EngineRun[];
  try {
    binary = await ensureLlamaBench(buildDir, source, progress);
    runs = await measureEngine(provider, model, settings, progress);
  } finally {
    await provider.close();
  }
  progress(`llama-bench: -t ${info.threads} -p 512 -n ${GENERATED_TOKENS} -r ${settings.repetitions}`);
  const llamaBench = await runLlamaBench(binary, model.path, info.threads, settings.repetitions);
  progress(
    `  pp512 ${llamaBench.promptTokensPerSecond.toFixed(1)} tok/s, ` +
      `tg${GENERATED_TOKENS} ${llamaBench.generationTokensPerSecond.toFixed(1)} tok/s, ` +
      `tg${GENERATED_TOKENS} @ d512 ${llamaBench.generationAtDepthTokensPerSecond.toFixed(1)} tok/s`,
  );

  const promptTokensPerSecond = median(runs.map((run) => run.promptTokensPerSecond));
  const generationTokensPerSecond = median(runs.map((run) => run.generationTokensPerSecond));
  return {
    model: {
      layers: model.layers,
      width: model.width,
      type: model.type,
      bytes: model.bytes,
      parameters: llamaBench.modelParameters,
    },
    threads: info.threads,
    repetitions: settings.repetitions,
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
      goal: ENGINE_GOAL,
    },
  };
}

/** Table rows: label, value, note. */
export function engineRows(figures: EngineFigures): [string, string, string][] {
  const { model, engine, llamaBench, ratios } = figures;
  const verdict = (ratio: number) => (ratio >= ENGINE_GOAL ? "ok" : `below ${ENGINE_GOAL}`);
  return [
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
}

/**
 * Under node_modules/.cache: ignored by git, Biome and knip (a cmake build dir holds files named `*.ts`),
 * and wiped with the llama.cpp source it was built from when node_modules is reinstalled.
 */
export function llamaBenchBuildDir(root: string): string {
  return join(root, "node_modules/.cache/hearth-llama-bench");
}
