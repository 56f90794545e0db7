/** @module What the model port streamed, in OpenAI's chat completion objects. */
import type { FinishReason, TokenLogprob, ToolCallPart, Usage } from "@hearth/engine/spec";

/** What every object of one completion repeats. */
export interface CompletionHead {
  id: string;
  /** Unix seconds. */
  created: number;
  /** The qualified model id. */
  model: string;
}

export type OpenAiFinishReason = "stop" | "length" | "tool_calls";

export interface OpenAiToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** Tokens' log probabilities as OpenAI's `choices[].logprobs`: null where the provider gave none. */
function toOpenAiLogprobs(tokens: readonly TokenLogprob[] | undefined) {
  if (tokens === undefined || tokens.length === 0) return null;
  return {
    content: tokens.map((token) => ({
      token: token.token,
      logprob: token.logprob,
      bytes: token.bytes,
      top_logprobs: token.topLogprobs,
    })),
    refusal: null,
  };
}

/** How a reply ended, in OpenAI's words; a reply that called tools ended to have them run. */
export function toOpenAiFinishReason(reason: FinishReason, hasToolCalls: boolean): OpenAiFinishReason {
  if (reason === "length") return "length";
  if (reason === "tool-calls" || hasToolCalls) return "tool_calls";
  return "stop";
}

export function toOpenAiUsage(usage: Usage): OpenAiUsage {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

export function toOpenAiToolCall(call: Omit<ToolCallPart, "type">): OpenAiToolCall {
  return { id: call.toolCallId, type: "function", function: { name: call.toolName, arguments: call.input } };
}

/** A whole reply, for a request without `stream`. */
export function presentCompletion(
  head: CompletionHead,
  reply: {
    text: string;
    toolCalls: OpenAiToolCall[];
    finishReason: FinishReason;
    usage: Usage;
    logprobs?: readonly TokenLogprob[];
  },
) {
  const hasToolCalls = reply.toolCalls.length > 0;
  return {
    ...head,
    object: "chat.completion" as const,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant" as const,
          // OpenAI's `null` for a reply that only called tools.
          content: reply.text === "" && hasToolCalls ? null : reply.text,
          refusal: null,
          ...(hasToolCalls ? { tool_calls: reply.toolCalls } : {}),
        },
        logprobs: toOpenAiLogprobs(reply.logprobs),
        finish_reason: toOpenAiFinishReason(reply.finishReason, hasToolCalls),
      },
    ],
    usage: toOpenAiUsage(reply.usage),
  };
}

/** One `chat.completion.chunk` of a streamed reply; `usage` is null on every chunk but the last where asked for. */
export function presentChunk(
  head: CompletionHead,
  choice:
    | { delta: Record<string, unknown>; finishReason?: OpenAiFinishReason; logprobs?: readonly TokenLogprob[] }
    | undefined,
  usage?: OpenAiUsage | null,
) {
  return {
    ...head,
    object: "chat.completion.chunk" as const,
    choices:
      choice === undefined
        ? []
        : [
            {
              index: 0,
              delta: choice.delta,
              logprobs: toOpenAiLogprobs(choice.logprobs),
              finish_reason: choice.finishReason ?? null,
            },
          ],
    ...(usage === undefined ? {} : { usage }),
  };
}

/**
 * A failure after the reply started, as an event of its stream: OpenAI's clients read `error` in a
 * chunk as the stream's failure. The status is long sent by then, so it travels in the body only.
 */
export function presentStreamError(message: string) {
  return { error: { message, type: "server_error", param: null, code: "model_failed" } };
}
