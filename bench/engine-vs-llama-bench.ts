/**
 * The engine as Hearth runs it (EngineProcess: llama.cpp in a process of its own) against llama.cpp's own `llama-bench` on the same GGUF and
 * thread count: prompt and generation tokens per second, and their ratios; and, as the lead "run
 * llama.cpp's server per model", `llama-server`'s streamed generation against the same baseline. Used
 * by `npm run bench` (on the bench model) and `npm run bench:engine` (on a larger one).
 */
import type { EngineProcess } from "@hearth/engine";
import { promptOf } from "./bench-model.ts";
import { type LlamaBenchFigures, runLlamaBench } from "./llama-bench.ts";
import { type LlamaServerAtDepthFigures, measureLlamaServerAtDepth } from "./llama-server-at-depth.ts";
import { ensureLlamaTools, findLlamaCppSource } from "./llama-tools.ts";
import { openEngine } from "./open-engine.ts";
import { median } from "./report.ts";

export const GENERATED_TOKENS = 128;
/** Single-token words; 490 of them plus the chat template ≈ 512 tokens, as llama-bench's pp512. */
const PROMPT_WORDS = 490;
/** The engine's and llama-server's context: room for the 512-token prompt and the reply. */
const CONTEXT_SIZE = 1024;
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
  llamaServer: LlamaServerAtDepthFigures;
  /**
   * generation: against tg128 (empty context); generationAtDepth: like for like; llamaServerAtDepth:
   * llama-server's streamed generation against the same `-d 512` baseline.
   */
  ratios: { prompt: number; generation: number; generationAtDepth: number; llamaServerAtDepth: number; goal: number };
}

/**
 * One request. Prompt speed is prompt tokens ÷ time to the first delta, which also covers templating,
 * tokenizing and the first generated token: an approximation that slightly understates it. Generation
 * speed counts the tokens after the first (the first one's time is in the prompt interval) ÷ the time
 * from the first delta to the finish.
 */
async function measureRequest(
  provider: EngineProcess,
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

async function measureEngine(
  provider: EngineProcess,
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
 * Builds llama-bench and llama-server into `buildDir` unless built from the same source already (a few
 * minutes), then measures the three. Throws LlamaToolsUnavailableError or NoLocalBuildError when a
 * prerequisite is missing.
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
  const { threads, requireLocalBuild } = settings;
  const provider = await openEngine(
    { modelsDir: model.modelsDir, contextSize: CONTEXT_SIZE, threads, requireLocalBuild },
    progress,
  );
  const info = provider.info();
  let binaries: Record<"llama-bench" | "llama-server", string>;
  let runs: EngineRun[];
  try {
    binaries = await ensureLlamaTools(buildDir, source, ["llama-bench", "llama-server"], progress);
    runs = await measureEngine(provider, model, settings, progress);
  } finally {
    await provider.close();
  }
  progress(`llama-bench: -t ${info.threads} -p 512 -n ${GENERATED_TOKENS} -r ${settings.repetitions}`);
  const llamaBench = await runLlamaBench(binaries["llama-bench"], model.path, info.threads, settings.repetitions);
  progress(
    `  pp512 ${llamaBench.promptTokensPerSecond.toFixed(1)} tok/s, ` +
      `tg${GENERATED_TOKENS} ${llamaBench.generationTokensPerSecond.toFixed(1)} tok/s, ` +
      `tg${GENERATED_TOKENS} @ d512 ${llamaBench.generationAtDepthTokensPerSecond.toFixed(1)} tok/s`,
  );
  const llamaServer = await measureLlamaServerAtDepth(
    binaries["llama-server"],
    {
      modelPath: model.path,
      threads: info.threads,
      contextSize: CONTEXT_SIZE,
      repetitions: settings.repetitions,
      promptWords: PROMPT_WORDS,
      generatedTokens: GENERATED_TOKENS,
    },
    progress,
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
    llamaServer,
    ratios: {
      prompt: promptTokensPerSecond / llamaBench.promptTokensPerSecond,
      generation: generationTokensPerSecond / llamaBench.generationTokensPerSecond,
      generationAtDepth: generationTokensPerSecond / llamaBench.generationAtDepthTokensPerSecond,
      llamaServerAtDepth: llamaServer.generationTokensPerSecond / llamaBench.generationAtDepthTokensPerSecond,
      goal: ENGINE_GOAL,
    },
  };
}
