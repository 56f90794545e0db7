import { startDeadline } from "../remote/deadline.ts";
import { UnexpectedAnswerError } from "../remote/unexpected-answer-error.ts";
import type { OllamaCall } from "./stream-ollama-chat.ts";
import { toOllamaProviderError } from "./to-ollama-provider-error.ts";

function readVectors(answer: unknown, count: number): number[][] | undefined {
  const embeddings = (answer as { embeddings?: unknown } | undefined)?.embeddings;
  if (!Array.isArray(embeddings) || embeddings.length !== count) return undefined;
  const isVector = (value: unknown): value is number[] =>
    Array.isArray(value) && value.every((entry) => typeof entry === "number");
  return embeddings.every(isVector) ? embeddings : undefined;
}

/** One vector per text, through /api/embed, within the provider's timeout. */
export async function embedWithOllama(
  call: OllamaCall,
  modelId: string,
  texts: readonly string[],
  abortSignal: AbortSignal | undefined,
): Promise<number[][]> {
  if (texts.length === 0) return [];
  const deadline = startDeadline(call.timeoutMs, abortSignal);
  try {
    const answer: unknown = await call.clientFor(deadline.signal).embed({
      model: modelId,
      input: [...texts],
      ...(call.keepAlive !== undefined ? { keep_alive: call.keepAlive } : {}),
    });
    const vectors = readVectors(answer, texts.length);
    if (!vectors)
      throw new UnexpectedAnswerError(`answered /api/embed with something other than ${texts.length} vectors.`);
    return vectors;
  } catch (error) {
    if (abortSignal?.aborted && !deadline.hasExpired) throw abortSignal.reason;
    throw toOllamaProviderError(error, { ...call.failureContext(deadline.hasExpired), modelId });
  } finally {
    deadline.stop();
  }
}
