import { startDeadline } from "../remote/deadline.ts";
import { displayUrl } from "../remote/describe-network-failure.ts";
import { UnexpectedAnswerError } from "../remote/unexpected-answer-error.ts";
import type { OpenAICall } from "./stream-openai-chat.ts";
import { toOpenAIProviderError } from "./to-openai-provider-error.ts";

function readVectors(data: unknown, count: number): number[][] | undefined {
  const entries = (data as { data?: unknown } | undefined)?.data;
  if (!Array.isArray(entries) || entries.length !== count) return undefined;
  const vectors: number[][] = new Array(count);
  for (const [position, entry] of entries.entries()) {
    const { index, embedding } = (entry ?? {}) as { index?: unknown; embedding?: unknown };
    if (!Array.isArray(embedding) || !embedding.every((value) => typeof value === "number")) return undefined;
    // Answers carry each vector's input index; servers are not bound to keep the order.
    const slot = typeof index === "number" && index >= 0 && index < count ? index : position;
    vectors[slot] = embedding;
  }
  return vectors.every(Array.isArray) ? vectors : undefined;
}

/** One vector per text, through `POST /embeddings`, within the provider's timeout. */
export async function embedWithOpenAI(
  call: OpenAICall,
  modelId: string,
  texts: readonly string[],
  abortSignal: AbortSignal | undefined,
): Promise<number[][]> {
  if (texts.length === 0) return [];
  const deadline = startDeadline(call.timeoutMs, abortSignal);
  try {
    // "float" spelled out: the client asks for base64 by default, which not every server speaks.
    const data: unknown = await call.client.embeddings.create(
      { model: modelId, input: [...texts], encoding_format: "float" },
      { signal: deadline.signal },
    );
    const vectors = readVectors(data, texts.length);
    if (!vectors) {
      const where = displayUrl(call.failureContext(false).baseUrl);
      throw new UnexpectedAnswerError(`${where}/embeddings answered something other than ${texts.length} vectors.`);
    }
    return vectors;
  } catch (error) {
    if (abortSignal?.aborted && !deadline.hasExpired) throw abortSignal.reason;
    throw toOpenAIProviderError(error, { ...call.failureContext(deadline.hasExpired), modelId });
  } finally {
    deadline.stop();
  }
}
