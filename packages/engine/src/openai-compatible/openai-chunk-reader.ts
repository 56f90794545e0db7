import { randomUUID } from "node:crypto";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import type { FinishReason, StreamPart, TokenLogprob, Usage } from "../spec/language-model.ts";

interface PendingToolCall {
  toolCallId: string;
  toolName: string;
  input: string;
}

const FINISH_REASONS: Record<string, FinishReason> = {
  stop: "stop",
  length: "length",
  tool_calls: "tool-calls",
  function_call: "tool-calls",
};

/**
 * Turns the chunks of a streamed chat completion into the spec's parts. Tool calls arrive in pieces
 * keyed by `index` (the id and name in the first, the arguments in any number after); each piece of
 * arguments is passed on as it comes, and the complete calls once the server says the reply ended.
 */
export class OpenAIChunkReader {
  readonly #toolCalls = new Map<number | string, PendingToolCall>();
  #lastToolCallKey: number | string | undefined;
  #finishReason: string | undefined;
  usage: Usage = { inputTokens: 0, outputTokens: 0 };

  get hasFinished(): boolean {
    return this.#finishReason !== undefined;
  }

  *read(chunk: ChatCompletionChunk): Generator<StreamPart> {
    if (chunk.usage)
      this.usage = { inputTokens: chunk.usage.prompt_tokens ?? 0, outputTokens: chunk.usage.completion_tokens ?? 0 };
    const choice = chunk.choices?.[0];
    if (!choice) return;
    if (choice.delta?.content) {
      const logprobs = readLogprobs(choice.logprobs?.content);
      yield { type: "text-delta", text: choice.delta.content, ...(logprobs ? { logprobs } : {}) };
    }
    for (const piece of choice.delta?.tool_calls ?? []) {
      // Some servers leave out `index` and send each call whole: its id then tells calls apart.
      const key = piece.index ?? piece.id ?? this.#lastToolCallKey ?? 0;
      this.#lastToolCallKey = key;
      let call = this.#toolCalls.get(key);
      if (!call) {
        call = { toolCallId: piece.id || `call_${randomUUID()}`, toolName: "", input: "" };
        this.#toolCalls.set(key, call);
      }
      if (piece.function?.name && !call.toolName) call.toolName = piece.function.name;
      const delta = piece.function?.arguments;
      if (delta) {
        call.input += delta;
        yield { type: "tool-input-delta", toolCallId: call.toolCallId, toolName: call.toolName, delta };
      }
    }
    if (choice.finish_reason) this.#finishReason = choice.finish_reason;
  }

  /** The complete tool calls and the `finish` part, once the stream has ended with a finish reason. */
  *finish(): Generator<StreamPart> {
    for (const call of this.#toolCalls.values())
      yield { type: "tool-call", toolCallId: call.toolCallId, toolName: call.toolName, input: call.input || "{}" };
    if (this.#finishReason === "content_filter") {
      yield {
        type: "finish",
        finishReason: "error",
        usage: this.usage,
        error: "The provider's content filter stopped the reply.",
      };
      return;
    }
    const reason = FINISH_REASONS[this.#finishReason ?? ""] ?? "stop";
    // Some servers report "stop" after tool calls; the calls are what the caller must act on.
    const mapped = reason === "stop" && this.#toolCalls.size > 0 ? "tool-calls" : reason;
    yield { type: "finish", finishReason: mapped, usage: this.usage };
  }
}

type ChunkLogprobs = NonNullable<ChatCompletionChunk.Choice["logprobs"]>["content"];

/** A chunk's token log probabilities, as far as they are well formed (a server's answer is untrusted). */
function readLogprobs(content: ChunkLogprobs | undefined): TokenLogprob[] | undefined {
  if (!Array.isArray(content) || content.length === 0) return undefined;
  const tokens: TokenLogprob[] = [];
  for (const entry of content) {
    if (typeof entry?.token !== "string" || typeof entry.logprob !== "number") return undefined;
    tokens.push({
      token: entry.token,
      logprob: entry.logprob,
      bytes: readBytes(entry.bytes),
      topLogprobs: (Array.isArray(entry.top_logprobs) ? entry.top_logprobs : [])
        .filter((top) => typeof top?.token === "string" && typeof top.logprob === "number")
        .slice(0, 20)
        .map((top) => ({ token: top.token, logprob: top.logprob, bytes: readBytes(top.bytes) })),
    });
  }
  return tokens;
}

function readBytes(bytes: unknown): number[] | null {
  return Array.isArray(bytes) && bytes.every((byte) => Number.isInteger(byte) && byte >= 0 && byte < 256)
    ? (bytes as number[])
    : null;
}
