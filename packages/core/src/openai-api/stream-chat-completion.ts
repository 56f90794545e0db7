/**
 * @module A reply as OpenAI's server-sent events: a chunk with the role, the text and tool-call deltas,
 * a chunk with `finish_reason`, the usage chunk where asked for, and `data: [DONE]`.
 */
import type { CollectedCompletion } from "./collect-completion.ts";
import { ReplyCollector } from "./collect-completion.ts";
import {
  type CompletionHead,
  presentChunk,
  presentStreamError,
  toOpenAiFinishReason,
  toOpenAiUsage,
} from "./present-completion.ts";
import { readParts } from "./read-parts.ts";
import { DONE, eventStream, type SendEvent } from "./server-sent-events.ts";
import type { ModelRun } from "./start-model-run.ts";

export interface StreamOptions {
  head: CompletionHead;
  run: Pick<ModelRun, "first" | "parts" | "abort">;
  includeUsage: boolean;
  /**
   * Called once the generation has ended, before the last chunks; a failure it returns (a message)
   * ends the stream with an error event instead.
   */
  onEnd: (reply: CollectedCompletion) => Promise<string | undefined>;
}

/** The events of one reply (see `eventStream` for how a slow or departed client is treated). */
export function streamChatCompletion(options: StreamOptions): ReadableStream<Uint8Array> {
  return eventStream((send) => pump(options, send), options.run.abort);
}

async function pump(options: StreamOptions, send: SendEvent): Promise<void> {
  const { head, includeUsage, run } = options;
  const chunk = (delta: Record<string, unknown>) =>
    send(presentChunk(head, { delta }, includeUsage ? null : undefined));
  const calls = new ToolCallIndex();
  const collector = new ReplyCollector();
  chunk({ role: "assistant", content: "" });
  const outcome = await readParts(run.first, run.parts, (part) => {
    collector.add(part);
    if (part.type === "text-delta") {
      if (part.text !== "")
        send(
          presentChunk(
            head,
            { delta: { content: part.text }, ...(part.logprobs ? { logprobs: part.logprobs } : {}) },
            includeUsage ? null : undefined,
          ),
        );
    } else if (part.type === "tool-input-delta") {
      chunk({ tool_calls: [calls.delta(part.toolCallId, part.toolName, part.delta)] });
    } else {
      const delta = calls.complete(part.toolCallId, part.toolName, part.input);
      if (delta !== undefined) chunk({ tool_calls: [delta] });
    }
  });
  const failure = await options.onEnd({
    text: collector.text,
    toolCalls: collector.toolCalls,
    logprobs: collector.logprobs,
    outcome,
  });
  if (outcome.finishReason === "abort") return;
  if (outcome.finishReason === "error" || failure !== undefined) {
    send(presentStreamError(failure ?? `The model failed: ${outcome.error ?? "it gave no reason"}`));
    return;
  }
  const finishReason = toOpenAiFinishReason(outcome.finishReason, calls.size > 0);
  send(presentChunk(head, { delta: {}, finishReason }, includeUsage ? null : undefined));
  if (includeUsage)
    send(presentChunk(head, undefined, toOpenAiUsage(outcome.usage ?? { inputTokens: 0, outputTokens: 0 })));
  send(DONE);
}

/** Each tool call's index in the reply, and the arguments already streamed for it. */
class ToolCallIndex {
  readonly #calls = new Map<string, { index: number; streamed: string }>();

  get size(): number {
    return this.#calls.size;
  }

  /** A piece of a call's arguments; the first piece of a call also names it. */
  delta(id: string, name: string, delta: string) {
    const known = this.#calls.get(id);
    if (known !== undefined) {
      known.streamed += delta;
      return { index: known.index, function: { arguments: delta } };
    }
    const index = this.#calls.size;
    this.#calls.set(id, { index, streamed: delta });
    return { index, id, type: "function", function: { name, arguments: delta } };
  }

  /** A call's complete arguments: all of them for a call not streamed, else what the deltas left out. */
  complete(id: string, name: string, input: string) {
    const known = this.#calls.get(id);
    if (known === undefined) return this.delta(id, name, input);
    const rest = input.startsWith(known.streamed) ? input.slice(known.streamed.length) : "";
    known.streamed = input;
    return rest === "" ? undefined : { index: known.index, function: { arguments: rest } };
  }
}
