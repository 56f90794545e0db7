/** The v1 section's table rows. */
import type { Row } from "./report.ts";
import { V1_GOALS, type V1Figures } from "./v1.ts";

export function v1Rows(figures: V1Figures): Row[] {
  const { hearth, llamaServer, ratios } = figures;
  const tokens = (side: V1Figures["hearth"]) =>
    `prompt ${Math.round(side.promptTokens)}, reply ${Math.round(side.completionTokens)} tokens`;
  const mismatched =
    figures.mismatchedReplies === 0
      ? `every reply ran to max_tokens ${figures.maxTokens} on both`
      : `${figures.mismatchedReplies} of ${figures.repetitions} pairs had a reply short of max_tokens: ratios are unlike`;
  return [
    [
      "Settings (both)",
      String(figures.threads),
      `threads, ${figures.contextSize}-token context, one sequence; llama-server OMP_WAIT_POLICY ` +
        figures.ompWaitPolicy,
    ],
    ["llama-server streaming", llamaServer.tokensPerSecond.toFixed(1), `tok/s (${tokens(llamaServer)})`],
    ["Hearth /v1 streaming", hearth.tokensPerSecond.toFixed(1), `tok/s (${tokens(hearth)})`],
    [
      "  tokens/s, Hearth / llama-server",
      ratios.tokensPerSecond.toFixed(2),
      `${ratios.tokensPerSecond >= V1_GOALS.tokensPerSecond ? "ok" : `below ${V1_GOALS.tokensPerSecond}`} ` +
        `(median of ${figures.repetitions} pairs)`,
    ],
    ["llama-server time to first token", llamaServer.firstTokenMs.toFixed(1), "ms (request → first text chunk)"],
    ["Hearth /v1 time to first token", hearth.firstTokenMs.toFixed(1), "ms"],
    [
      "  first token, Hearth / llama-server",
      ratios.firstToken.toFixed(2),
      `${ratios.firstToken <= V1_GOALS.firstToken ? "ok" : `above ${V1_GOALS.firstToken}`} (median of pairs)`,
    ],
    ["Replies checked", String(figures.repetitions * 2), mismatched],
  ];
}
