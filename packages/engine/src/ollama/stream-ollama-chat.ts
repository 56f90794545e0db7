import { randomUUID } from "node:crypto";
import type { ChatResponse, Ollama } from "ollama";
import { checkToolChoice } from "../remote/check-tool-choice.ts";
import { type Deadline, startDeadline } from "../remote/deadline.ts";
import { displayUrl } from "../remote/describe-network-failure.ts";
import type { CallOptions, StreamPart, Usage } from "../spec/language-model.ts";
import { UnsupportedCallOptionError } from "../spec/unsupported-call-option-error.ts";
import { toOllamaChatRequest } from "./to-ollama-chat-request.ts";
import { describeOllamaFailure, type OllamaFailureContext, toOllamaProviderError } from "./to-ollama-provider-error.ts";

/** What a call to Ollama needs from its provider. */
export interface OllamaCall {
  /** An ollama client whose requests carry `signal`. */
  clientFor(signal: AbortSignal): Ollama;
  timeoutMs: number;
  keepAlive: string | number | undefined;
  failureContext(hasExpired: boolean): OllamaFailureContext;
}

const abortPart = (usage: Usage): StreamPart => ({ type: "finish", finishReason: "abort", usage });

function* readChunk(chunk: ChatResponse): Generator<StreamPart> {
  const message = chunk.message;
  if (message?.content) yield { type: "text-delta", text: message.content };
  // Ollama sends each tool call whole, without an id in older versions: one is made up so that
  // the result can name its call.
  for (const toolCall of message?.tool_calls ?? []) {
    const { id } = toolCall as { id?: unknown };
    const args = toolCall.function.arguments as unknown;
    yield {
      type: "tool-call",
      toolCallId: typeof id === "string" && id ? id : `call_${randomUUID()}`,
      toolName: toolCall.function.name,
      input: typeof args === "string" ? args : JSON.stringify(args ?? {}),
    };
  }
}

async function* readStream(
  stream: AsyncIterable<ChatResponse>,
  call: OllamaCall,
  modelId: string,
  abortSignal: AbortSignal | undefined,
  deadline: Deadline,
  isOneCallOnly: boolean,
): AsyncGenerator<StreamPart> {
  let usage: Usage = { inputTokens: 0, outputTokens: 0 };
  let hasYielded = false;
  let toolCalls = 0;
  let doneReason: string | undefined;
  try {
    for await (const chunk of stream) {
      // The clock stops while the caller holds a part: that time is not the provider's silence.
      deadline.stop();
      for (const part of readChunk(chunk)) {
        if (part.type === "tool-call") {
          // Ollama's API has no parallel_tool_calls: a second call is dropped where only one was asked for.
          if (isOneCallOnly && toolCalls > 0) continue;
          toolCalls++;
        }
        hasYielded = true;
        yield part;
      }
      deadline.restart();
      if (chunk.done) {
        usage = { inputTokens: chunk.prompt_eval_count ?? 0, outputTokens: chunk.eval_count ?? 0 };
        doneReason = chunk.done_reason;
      }
    }
  } catch (error) {
    if (abortSignal?.aborted && !deadline.hasExpired) {
      yield abortPart(usage);
      return;
    }
    if (!hasYielded) throw toOllamaProviderError(error, { ...call.failureContext(deadline.hasExpired), modelId });
    const reason = deadline.hasExpired
      ? `${displayUrl(call.failureContext(true).host)} sent nothing for ${call.timeoutMs} ms.`
      : describeOllamaFailure(error, call.failureContext(false));
    yield { type: "finish", finishReason: "error", usage, error: reason };
    return;
  }
  if (doneReason === "length") yield { type: "finish", finishReason: "length", usage };
  else yield { type: "finish", finishReason: toolCalls > 0 ? "tool-calls" : "stop", usage };
}

/**
 * Streams one /api/chat reply as the spec's parts. The timeout bounds the wait for the answer's headers
 * and then each silence between two chunks; the caller's signal aborts the request at any time and
 * ends the stream with `abort`. A failure before the first part rejects; one after it ends the stream
 * with `finish` `error`.
 */
export async function* streamOllamaChat(
  call: OllamaCall,
  modelId: string,
  contextTokens: number,
  options: CallOptions,
): AsyncGenerator<StreamPart> {
  checkToolChoice(options);
  if (options.toolChoice === "required" || typeof options.toolChoice === "object")
    throw new UnsupportedCallOptionError("toolChoice", 'Ollama cannot make a model call a tool: use "auto" or "none".');
  const abortSignal = options.abortSignal;
  if (abortSignal?.aborted) {
    yield abortPart({ inputTokens: 0, outputTokens: 0 });
    return;
  }
  // Ends the request when the caller stops reading early: the client's parser never cancels its body.
  const release = new AbortController();
  const signal = abortSignal ? AbortSignal.any([abortSignal, release.signal]) : release.signal;
  const deadline = startDeadline(call.timeoutMs, signal);
  const request = toOllamaChatRequest(modelId, options, { contextTokens, keepAlive: call.keepAlive });
  try {
    let stream: AsyncIterable<ChatResponse>;
    try {
      stream = await call.clientFor(deadline.signal).chat(request);
    } catch (error) {
      if (abortSignal?.aborted && !deadline.hasExpired) {
        yield abortPart({ inputTokens: 0, outputTokens: 0 });
        return;
      }
      throw toOllamaProviderError(error, { ...call.failureContext(deadline.hasExpired), modelId });
    }
    yield* readStream(stream, call, modelId, abortSignal, deadline, options.parallelToolCalls === false);
  } finally {
    deadline.stop();
    release.abort();
  }
}
