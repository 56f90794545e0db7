/** The batched section's table rows. */
import type { BatchedFigures, BatchedPath } from "./batched.ts";
import type { Row } from "./report.ts";

export function batchedRows(figures: BatchedFigures): Row[] {
  const { llamaBatchedBench: tool, parallel, goal, limit } = figures;
  const verdict = (ratio: number) =>
    `${ratio >= goal ? "ok" : `below ${goal}`}; ${(ratio / limit).toFixed(2)} of the limit (median of ` +
    `${figures.engine.rounds.length})`;
  const path = (name: string, figuresOfPath: BatchedPath): Row[] => [
    [
      `${name}, 1 reply`,
      figuresOfPath.single.toFixed(1),
      `tok/s (prompt ${Math.round(figuresOfPath.promptTokens)} tokens)`,
    ],
    [`${name}, ${parallel} at once`, figuresOfPath.parallel.toFixed(1), "tok/s in all"],
    [`  ${parallel} ÷ 1`, figuresOfPath.ratio.toFixed(2), verdict(figuresOfPath.ratio)],
  ];
  return [
    [
      "Threads (all)",
      String(figures.threads),
      "generated tokens ÷ wall time from start to last finish, prompts included",
    ],
    [
      "llama-batched-bench, 1 sequence",
      tool.single.generatedPerWallSecond.toFixed(1),
      `tok/s (S_TG ${tool.single.generationTokensPerSecond.toFixed(1)}, generation alone; OMP_WAIT_POLICY ` +
        `${tool.ompWaitPolicy})`,
    ],
    [
      `llama-batched-bench, ${parallel} sequences`,
      tool.parallel.generatedPerWallSecond.toFixed(1),
      `tok/s (S_TG ${tool.parallel.generationTokensPerSecond.toFixed(1)}; medians of ${tool.repetitions} runs)`,
    ],
    [
      `  ${parallel} ÷ 1: the limit`,
      limit.toFixed(2),
      `(S_TG: ${(tool.parallel.generationTokensPerSecond / tool.single.generationTokensPerSecond).toFixed(2)})`,
    ],
    ...path("Engine direct", figures.engine),
    ...path("Hearth /v1", figures.v1),
  ];
}
