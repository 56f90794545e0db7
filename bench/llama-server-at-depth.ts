/**
 * The lead "llama.cpp's own llama-server, run as a child process per model" for the generation gap:
 * its generation speed after a 512-token prompt, streamed over HTTP to the `openai` client, measured
 * like the engine's (tokens after the first ÷ first text → end) and set against `llama-bench -d 512`.
 */
import OpenAI from "openai";
import { promptOf } from "./bench-model.ts";
import { startLlamaServer } from "./llama-server.ts";
import { median } from "./report.ts";
import { type StreamedReply, streamReply } from "./stream-reply.ts";

export interface LlamaServerAtDepthFigures {
  /** See llama-server.ts. */
  ompWaitPolicy: string;
  promptTokens: number;
  generationTokensPerSecond: number;
  runs: { promptTokens: number; completionTokens: number; generationTokensPerSecond: number }[];
}

export interface AtDepthSettings {
  modelPath: string;
  threads: number;
  contextSize: number;
  repetitions: number;
  /** Single-token words of the prompt (the engine's, so both have the same context when generating). */
  promptWords: number;
  generatedTokens: number;
}

export async function measureLlamaServerAtDepth(
  binary: string,
  settings: AtDepthSettings,
  progress: (message: string) => void,
): Promise<LlamaServerAtDepthFigures> {
  progress(`llama-server: -t ${settings.threads} -c ${settings.contextSize} -np 1, ${settings.repetitions} replies`);
  const server = await startLlamaServer(binary, settings);
  const runs: StreamedReply[] = [];
  try {
    const client = new OpenAI({ baseURL: `${server.baseUrl}/v1`, apiKey: "none", maxRetries: 0 });
    // As for the engine: the first long batch after a load allocates buffers.
    await streamReply(client, "bench", promptOf(settings.promptWords, 0), 8);
    for (let repetition = 1; repetition <= settings.repetitions; repetition++) {
      const prompt = promptOf(settings.promptWords, repetition);
      const run = await streamReply(client, "bench", prompt, settings.generatedTokens);
      if (run.completionTokens !== settings.generatedTokens) {
        progress(`  warning: llama-server's reply had ${run.completionTokens} tokens (${run.finishReason})`);
      }
      progress(
        `  run ${repetition}/${settings.repetitions}: ${run.promptTokens} prompt tokens, ${run.completionTokens} ` +
          `generated at ${run.tokensPerSecond.toFixed(1)} tok/s`,
      );
      runs.push(run);
    }
  } finally {
    await server.stop();
  }
  return {
    ompWaitPolicy: server.ompWaitPolicy,
    promptTokens: median(runs.map((run) => run.promptTokens)),
    generationTokensPerSecond: median(runs.map((run) => run.tokensPerSecond)),
    runs: runs.map((run) => ({
      promptTokens: run.promptTokens,
      completionTokens: run.completionTokens,
      generationTokensPerSecond: run.tokensPerSecond,
    })),
  };
}
