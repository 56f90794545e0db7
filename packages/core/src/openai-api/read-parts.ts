import type { FinishReason, StreamPart, Usage } from "@hearth/engine/spec";

/** How a model call ended, for the caller's log, metrics and limits. */
export interface CompletionOutcome {
  finishReason: FinishReason;
  usage?: Usage;
  error?: string;
}

/** The parts of a model's reply that carry content: everything but its `finish`. */
export type ContentPart = Exclude<StreamPart, { type: "finish" }>;

/**
 * Hands each content part of a reply to `visit`, starting with `first` (already read, so a model that
 * failed at once got an HTTP error), and says how the reply ended.
 */
export async function readParts(
  first: IteratorResult<StreamPart>,
  parts: AsyncIterator<StreamPart>,
  visit: (part: ContentPart) => void,
): Promise<CompletionOutcome> {
  let outcome: CompletionOutcome = { finishReason: "stop" };
  try {
    for (let result = first; !result.done; result = await parts.next()) {
      const part = result.value;
      if (part.type !== "finish") visit(part);
      else {
        outcome = {
          finishReason: part.finishReason,
          usage: part.usage,
          ...(part.error === undefined ? {} : { error: part.error }),
        };
      }
    }
  } catch (error) {
    // The port ends a failure after the first part with a `finish` part; a provider that throws instead is told the same way.
    outcome = { finishReason: "error", error: error instanceof Error ? error.message : String(error) };
  }
  return outcome;
}
