/**
 * Generation speed as an SSE client sees it against the engine called directly in this process: same
 * model, threads, prompt and reply length, interleaved so drift in the machine's speed hits both.
 */
import type { EngineProcess } from "@hearth/engine";
import { promptOf } from "./bench-model.ts";
import type { ChatClient } from "./chat-client.ts";
import { median } from "./report.ts";

/** Single-token words in each prompt (≈ 120 tokens with the chat template). */
const PROMPT_WORDS = 100;

interface Run {
  promptTokens: number;
  completionTokens: number;
  tokensPerSecond: number;
}

export interface StreamingFigures {
  replyTokens: number;
  repetitions: number;
  promptTokens: { engine: number; sse: number };
  engineTokensPerSecond: number;
  sseTokensPerSecond: number;
  /** The median of each repetition's SSE ÷ engine. */
  sseVsEngine: number;
  runs: { engine: Run; sse: Run }[];
}

/**
 * Both speeds count the tokens after the first (whose time falls before the first delta) over the time
 * from the first delta to the end: `finish` from the engine, `message.done` over SSE. The server gathers
 * deltas for chat.coalesceMs before it sends them, so its first delta comes that much later.
 */
const tokensPerSecond = (completionTokens: number, streamingMs: number) =>
  (completionTokens - 1) / (streamingMs / 1000);

async function runEngine(provider: EngineProcess, model: string, prompt: string, maxTokens: number): Promise<Run> {
  let firstDeltaAt: number | undefined;
  const languageModel = await provider.languageModel(model);
  const stream = languageModel.doStream({
    prompt: [{ role: "user", content: [{ type: "text", text: prompt }] }],
    maxOutputTokens: maxTokens,
  });
  for await (const part of stream) {
    if (part.type === "text-delta") firstDeltaAt ??= performance.now();
    else if (part.type === "finish") {
      if (firstDeltaAt === undefined) throw new Error("The engine's reply had no text.");
      const { inputTokens: promptTokens, outputTokens: completionTokens } = part.usage;
      return {
        promptTokens,
        completionTokens,
        tokensPerSecond: tokensPerSecond(completionTokens, performance.now() - firstDeltaAt),
      };
    }
  }
  throw new Error("The engine's reply had no finish.");
}

async function runSse(client: ChatClient, prompt: string, repetition: number): Promise<Run> {
  const conversationId = await client.createConversation(`streaming ${repetition}`);
  const stream = await client.openEvents(conversationId);
  try {
    const timing = await client.exchange(stream, conversationId, prompt);
    return {
      promptTokens: timing.promptTokens,
      completionTokens: timing.completionTokens,
      tokensPerSecond: tokensPerSecond(timing.completionTokens, timing.streamingMs),
    };
  } finally {
    stream.close();
  }
}

/** `replyTokens` must be the server's chat.maxReplyTokens: the server has no per-request limit. */
export async function measureStreaming(
  client: ChatClient,
  provider: EngineProcess,
  model: string,
  replyTokens: number,
  repetitions: number,
  progress: (message: string) => void,
): Promise<StreamingFigures> {
  progress("streaming: warming up (loads the model in the server and here)");
  await runEngine(provider, model, promptOf(PROMPT_WORDS, 0), replyTokens);
  await runSse(client, promptOf(PROMPT_WORDS, 0), 0);
  const runs: { engine: Run; sse: Run }[] = [];
  for (let repetition = 1; repetition <= repetitions; repetition++) {
    const prompt = promptOf(PROMPT_WORDS, repetition);
    const engine = await runEngine(provider, model, prompt, replyTokens);
    const sse = await runSse(client, prompt, repetition);
    for (const [name, run] of [
      ["engine", engine],
      ["SSE", sse],
    ] as const) {
      if (run.completionTokens !== replyTokens) {
        progress(`  warning: the ${name} reply had ${run.completionTokens} tokens, not ${replyTokens}`);
      }
    }
    progress(
      `  ${repetition}/${repetitions}: engine ${engine.tokensPerSecond.toFixed(1)} tok/s, ` +
        `SSE ${sse.tokensPerSecond.toFixed(1)} tok/s (prompt ${engine.promptTokens} / ${sse.promptTokens} tokens)`,
    );
    runs.push({ engine, sse });
  }
  return {
    replyTokens,
    repetitions,
    promptTokens: {
      engine: median(runs.map((run) => run.engine.promptTokens)),
      sse: median(runs.map((run) => run.sse.promptTokens)),
    },
    engineTokensPerSecond: median(runs.map((run) => run.engine.tokensPerSecond)),
    sseTokensPerSecond: median(runs.map((run) => run.sse.tokensPerSecond)),
    sseVsEngine: median(runs.map((run) => run.sse.tokensPerSecond / run.engine.tokensPerSecond)),
    runs,
  };
}
