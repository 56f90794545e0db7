/** @module A text completion in OpenAI's `text_completion` objects, whole or as streamed chunks. */
import type { FinishReason } from "@hearth/engine/spec";
import type { CompletionHead, OpenAiUsage } from "./present-completion.ts";

/** The legacy API knows no tool calls: a reply ends at a stop or at its length. */
function toTextFinishReason(reason: FinishReason): "stop" | "length" {
  return reason === "length" ? "length" : "stop";
}

function choice(text: string, finishReason: FinishReason | null) {
  return {
    text,
    index: 0,
    logprobs: null,
    finish_reason: finishReason === null ? null : toTextFinishReason(finishReason),
  };
}

/** A whole completion, for a request without `stream`. */
export function presentTextCompletion(
  head: CompletionHead,
  reply: { text: string; finishReason: FinishReason; usage: OpenAiUsage },
) {
  return {
    ...head,
    object: "text_completion" as const,
    choices: [choice(reply.text, reply.finishReason)],
    usage: reply.usage,
  };
}

/**
 * One chunk of a streamed completion: some text, the last text with `finish_reason`, or (with
 * `choice` undefined) the usage chunk; `usage` is null on the others where it was asked for.
 */
export function presentTextChunk(
  head: CompletionHead,
  delta: { text: string; finishReason: FinishReason | null } | undefined,
  usage?: OpenAiUsage | null,
) {
  return {
    ...head,
    object: "text_completion" as const,
    choices: delta === undefined ? [] : [choice(delta.text, delta.finishReason)],
    ...(usage === undefined ? {} : { usage }),
  };
}
