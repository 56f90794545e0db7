/** The engine section's table rows (engine-vs-llama-bench.ts measures them). */
import { ENGINE_GOAL, type EngineFigures, GENERATED_TOKENS } from "./engine-vs-llama-bench.ts";
import type { Row } from "./report.ts";

/** Table rows: label, value, note. */
export function engineRows(figures: EngineFigures): Row[] {
  const { model, engine, llamaBench, llamaServer, ratios } = figures;
  const verdict = (ratio: number) => (ratio >= ENGINE_GOAL ? "ok" : `below ${ENGINE_GOAL}`);
  return [
    [
      "Model",
      `${(model.bytes / 1e6).toFixed(1)} MB`,
      `${model.width}×${model.layers} ${model.type.toUpperCase()}, ${(model.parameters / 1e6).toFixed(1)} M parameters`,
    ],
    [
      "Threads (all three)",
      String(figures.threads),
      `llama.cpp's tools with OMP_WAIT_POLICY ${llamaBench.ompWaitPolicy}`,
    ],
    ["Engine build type", engine.buildType, `llama.cpp ${llamaBench.buildCommit}`],
    [
      "llama-bench pp512",
      llamaBench.promptTokensPerSecond.toFixed(1),
      `tok/s (± ${llamaBench.promptStddev.toFixed(1)}, median of ${figures.repetitions})`,
    ],
    [
      `llama-bench tg${GENERATED_TOKENS}`,
      llamaBench.generationTokensPerSecond.toFixed(1),
      `tok/s (± ${llamaBench.generationStddev.toFixed(1)}, median of ${figures.repetitions})`,
    ],
    [
      `llama-bench tg${GENERATED_TOKENS} @ d512`,
      llamaBench.generationAtDepthTokensPerSecond.toFixed(1),
      `tok/s (± ${llamaBench.generationAtDepthStddev.toFixed(1)}, after 512 tokens of context, as the engine; median of ${figures.repetitions})`,
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
    [
      "llama-server generation (lead)",
      llamaServer.generationTokensPerSecond.toFixed(1),
      `tok/s (child process, streamed to the openai client after ${Math.round(llamaServer.promptTokens)} ` +
        `prompt tokens; median of ${figures.repetitions})`,
    ],
    [
      "  generation, llama-server / tg128 @ d512",
      ratios.llamaServerAtDepth.toFixed(2),
      verdict(ratios.llamaServerAtDepth),
    ],
  ];
}
