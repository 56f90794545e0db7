/**
 * One streamed chat completion through the official `openai` client, timed as a client sees it: the
 * same measurement for Hearth's /v1 and for llama.cpp's `llama-server`.
 */
import type OpenAI from "openai";

export interface StreamedReply {
  promptTokens: number;
  completionTokens: number;
  finishReason: string;
  /** Request sent → first chunk with text. */
  firstTokenMs: number;
  /** Completion tokens after the first ÷ (first chunk with text → last chunk). */
  tokensPerSecond: number;
  /** Request sent → last chunk. */
  totalMs: number;
}

/**
 * Streams `prompt` as one user message with `max_tokens`, asking for the usage chunk. Temperature 0
 * (greedy) for both servers, so neither pays for a sampler chain the other skips.
 */
export async function streamReply(
  client: OpenAI,
  model: string,
  prompt: string,
  maxTokens: number,
): Promise<StreamedReply> {
  const started = performance.now();
  const stream = await client.chat.completions.create({
    model,
    messages: [{ role: "user", content: prompt }],
    max_tokens: maxTokens,
    temperature: 0,
    stream: true,
    stream_options: { include_usage: true },
  });
  let firstContentAt: number | undefined;
  let lastChunkAt = started;
  let finishReason = "";
  let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
  for await (const chunk of stream) {
    lastChunkAt = performance.now();
    const choice = chunk.choices[0];
    if (choice?.delta.content) firstContentAt ??= lastChunkAt;
    if (choice?.finish_reason) finishReason = choice.finish_reason;
    if (chunk.usage) usage = chunk.usage;
  }
  if (firstContentAt === undefined) throw new Error(`${client.baseURL}: the reply had no text.`);
  if (usage === undefined) throw new Error(`${client.baseURL}: the stream had no usage chunk.`);
  return {
    promptTokens: usage.prompt_tokens,
    completionTokens: usage.completion_tokens,
    finishReason,
    firstTokenMs: firstContentAt - started,
    tokensPerSecond: (usage.completion_tokens - 1) / ((lastChunkAt - firstContentAt) / 1000),
    totalMs: lastChunkAt - started,
  };
}
