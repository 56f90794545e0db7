/**
 * @module A reply as OpenAI's server-sent events: a chunk with the role, the text and tool-call deltas,
 * a chunk with `finish_reason`, the usage chunk where asked for, and `data: [DONE]`.
 */
import type { FinishReason, StreamPart, Usage } from "@hearth/engine/spec";
import {
  type CompletionHead,
  presentChunk,
  presentStreamError,
  toOpenAiFinishReason,
  toOpenAiUsage,
} from "./present-completion.ts";

const encoder = new TextEncoder();
/** The last event of a stream that ended well. */
const DONE = "[DONE]";

/** How a completion ended, for the caller's log and limits. */
export interface CompletionOutcome {
  finishReason: FinishReason;
  usage?: Usage;
  error?: string;
}

export interface StreamOptions {
  head: CompletionHead;
  /** The model's parts, with the first already read (so a model that failed at once got an HTTP error). */
  first: IteratorResult<StreamPart>;
  parts: AsyncIterator<StreamPart>;
  includeUsage: boolean;
  /** Stops the generation: the client went away. */
  abort: () => void;
  /** Called once the generation has ended, before the stream closes. */
  onEnd: (outcome: CompletionOutcome) => Promise<void>;
}

/**
 * The events of one reply. The generation runs to its end whether or not the client reads as fast:
 * it holds a model sequence and a completion slot, which a client that stalls must not keep (a
 * reply's chunks are small next to the memory that holds the model); a client that leaves aborts it.
 */
export function streamChatCompletion(options: StreamOptions): ReadableStream<Uint8Array> {
  const { head, includeUsage } = options;
  let isClosed = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (data: unknown) => {
        const text = data === DONE ? DONE : JSON.stringify(data);
        if (!isClosed) controller.enqueue(encoder.encode(`data: ${text}\n\n`));
      };
      const chunk = (delta: Record<string, unknown>) =>
        send(presentChunk(head, { delta }, includeUsage ? null : undefined));
      void pump(options, chunk, send).finally(() => {
        if (isClosed) return;
        isClosed = true;
        controller.close();
      });
    },
    cancel() {
      isClosed = true;
      options.abort();
    },
  });
}

async function pump(
  options: StreamOptions,
  chunk: (delta: Record<string, unknown>) => void,
  send: (data: unknown) => void,
): Promise<void> {
  const { head, includeUsage } = options;
  const calls = new ToolCallIndex();
  let outcome: CompletionOutcome = { finishReason: "stop" };
  try {
    chunk({ role: "assistant", content: "" });
    for (let result = options.first; !result.done; result = await options.parts.next()) {
      const part = result.value;
      if (part.type === "text-delta") {
        if (part.text !== "") chunk({ content: part.text });
      } else if (part.type === "tool-input-delta") {
        chunk({ tool_calls: [calls.delta(part.toolCallId, part.toolName, part.delta)] });
      } else if (part.type === "tool-call") {
        const delta = calls.complete(part.toolCallId, part.toolName, part.input);
        if (delta !== undefined) chunk({ tool_calls: [delta] });
      } else {
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
  await options.onEnd(outcome);
  if (outcome.finishReason === "abort") return;
  if (outcome.finishReason === "error") {
    send(presentStreamError(`The model failed: ${outcome.error ?? "it gave no reason"}`));
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
