/**
 * The `v1` section of `npm run bench`: Hearth's /v1/chat/completions against llama.cpp's own
 * `llama-server` on the same GGUF, threads and context, both streamed to the official `openai` client,
 * interleaved (the order swaps each repetition) so drift in the machine's speed hits both alike.
 */
import OpenAI from "openai";
import { type BenchModel, CONTEXT_SIZE, promptOf } from "./bench-model.ts";
import { startHearthV1 } from "./hearth-v1.ts";
import { startLlamaServer } from "./llama-server.ts";
import { ensureLlamaTools, findLlamaCppSource } from "./llama-tools.ts";
import { openEngine } from "./open-engine.ts";
import { median } from "./report.ts";
import { type StreamedReply, streamReply } from "./stream-reply.ts";

export const V1_GOALS = { tokensPerSecond: 1.0, firstToken: 1.0 } as const;
const MAX_TOKENS = 256;
/** Single-token words (≈ 120 tokens with the chat template, as the chat section's prompts). */
const PROMPT_WORDS = 100;

export interface V1Settings {
  threads: number | undefined;
  repetitions: number;
}

interface Side {
  promptTokens: number;
  completionTokens: number;
  tokensPerSecond: number;
  firstTokenMs: number;
}

export interface V1Figures {
  threads: number;
  contextSize: number;
  /** llama-server's OMP_WAIT_POLICY (see llama-server.ts). */
  ompWaitPolicy: string;
  maxTokens: number;
  repetitions: number;
  hearth: Side;
  llamaServer: Side;
  /** Medians of each repetition's Hearth ÷ llama-server. */
  ratios: { tokensPerSecond: number; firstToken: number };
  /** Replies that did not run to max_tokens, or whose two sides counted different completion tokens. */
  mismatchedReplies: number;
  runs: { hearth: StreamedReply; llamaServer: StreamedReply }[];
}

export async function measureV1(
  root: string,
  buildDir: string,
  model: BenchModel,
  settings: V1Settings,
  progress: (message: string) => void,
): Promise<V1Figures> {
  const source = await findLlamaCppSource(root);
  // Opened only to refuse a prebuilt binary and to learn the thread count the engine would choose.
  const engine = await openEngine(
    { modelsDir: model.modelsDir, threads: settings.threads, contextSize: CONTEXT_SIZE, requireLocalBuild: true },
    progress,
  );
  const { threads } = engine.info();
  await engine.close();
  const binaries = await ensureLlamaTools(buildDir, source, ["llama-server"], progress);

  progress(`v1: llama-server -t ${threads} -c ${CONTEXT_SIZE} -np 1, and Hearth with the same engine settings`);
  const llamaServer = await startLlamaServer(binaries["llama-server"], {
    modelPath: model.path,
    threads,
    contextSize: CONTEXT_SIZE,
  });
  try {
    const hearth = await startHearthV1(root, model, { threads, contextSize: CONTEXT_SIZE, sequencesPerModel: 1 });
    try {
      const llama = new OpenAI({ baseURL: `${llamaServer.baseUrl}/v1`, apiKey: "none", maxRetries: 0 });
      const runs = await measurePairs(
        { client: hearth.client, model: hearth.modelId },
        { client: llama, model: model.id },
        settings.repetitions,
        progress,
      );
      return { ...summarize(threads, settings.repetitions, runs), ompWaitPolicy: llamaServer.ompWaitPolicy };
    } finally {
      await hearth.server.stop();
    }
  } finally {
    await llamaServer.stop();
  }
}

interface Target {
  client: OpenAI;
  model: string;
}

async function measurePairs(
  hearth: Target,
  llama: Target,
  repetitions: number,
  progress: (message: string) => void,
): Promise<{ hearth: StreamedReply; llamaServer: StreamedReply }[]> {
  progress("v1: warming up (loads the model in Hearth)");
  for (const target of [hearth, llama]) await streamReply(target.client, target.model, promptOf(PROMPT_WORDS, 0), 8);
  const runs: { hearth: StreamedReply; llamaServer: StreamedReply }[] = [];
  for (let repetition = 1; repetition <= repetitions; repetition++) {
    const prompt = promptOf(PROMPT_WORDS, repetition);
    const measure = (target: Target) => streamReply(target.client, target.model, prompt, MAX_TOKENS);
    let run: { hearth: StreamedReply; llamaServer: StreamedReply };
    if (repetition % 2 === 1) {
      const first = await measure(hearth);
      run = { hearth: first, llamaServer: await measure(llama) };
    } else {
      const first = await measure(llama);
      run = { hearth: await measure(hearth), llamaServer: first };
    }
    progress(
      `  ${repetition}/${repetitions}: Hearth ${describe(run.hearth)}; llama-server ${describe(run.llamaServer)}`,
    );
    runs.push(run);
  }
  return runs;
}

const describe = (reply: StreamedReply) =>
  `${reply.tokensPerSecond.toFixed(1)} tok/s, first token ${reply.firstTokenMs.toFixed(0)} ms ` +
  `(${reply.promptTokens} + ${reply.completionTokens} tokens, ${reply.finishReason})`;

function summarize(
  threads: number,
  repetitions: number,
  runs: { hearth: StreamedReply; llamaServer: StreamedReply }[],
): Omit<V1Figures, "ompWaitPolicy"> {
  const side = (replies: StreamedReply[]): Side => ({
    promptTokens: median(replies.map((reply) => reply.promptTokens)),
    completionTokens: median(replies.map((reply) => reply.completionTokens)),
    tokensPerSecond: median(replies.map((reply) => reply.tokensPerSecond)),
    firstTokenMs: median(replies.map((reply) => reply.firstTokenMs)),
  });
  return {
    threads,
    contextSize: CONTEXT_SIZE,
    maxTokens: MAX_TOKENS,
    repetitions,
    hearth: side(runs.map((run) => run.hearth)),
    llamaServer: side(runs.map((run) => run.llamaServer)),
    ratios: {
      tokensPerSecond: median(runs.map((run) => run.hearth.tokensPerSecond / run.llamaServer.tokensPerSecond)),
      firstToken: median(runs.map((run) => run.hearth.firstTokenMs / run.llamaServer.firstTokenMs)),
    },
    mismatchedReplies: runs.filter(
      (run) => run.hearth.completionTokens !== MAX_TOKENS || run.llamaServer.completionTokens !== MAX_TOKENS,
    ).length,
    runs,
  };
}
