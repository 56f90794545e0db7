import type OpenAI from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { checkToolChoice } from "../remote/check-tool-choice.ts";
import { startDeadline } from "../remote/deadline.ts";
import { displayUrl } from "../remote/describe-network-failure.ts";
import { describeContentType, UnexpectedAnswerError } from "../remote/unexpected-answer-error.ts";
import type { CallOptions, StreamPart, Usage } from "../spec/language-model.ts";
import { OpenAIChunkReader } from "./openai-chunk-reader.ts";
import { type TokenLimitField, toOpenAIChatRequest } from "./to-openai-chat-request.ts";
import {
  describeOpenAIStreamFailure,
  type OpenAIFailureContext,
  toOpenAIProviderError,
} from "./to-openai-provider-error.ts";

/** What a call to the API needs from its provider. */
export interface OpenAICall {
  client: OpenAI;
  timeoutMs: number;
  tokenLimitField: TokenLimitField;
  failureContext(hasExpired: boolean): OpenAIFailureContext;
}

const abortPart = (usage: Usage): StreamPart => ({ type: "finish", finishReason: "abort", usage });

async function openStream(call: OpenAICall, modelId: string, options: CallOptions, signal: AbortSignal) {
  const { data, response } = await call.client.chat.completions
    .create(toOpenAIChatRequest(modelId, options, call.tokenLimitField), { signal })
    .withResponse();
  const contentType = response.headers.get("content-type");
  if (!contentType?.includes("text/event-stream")) {
    data.controller.abort();
    throw new UnexpectedAnswerError(
      `${displayUrl(call.failureContext(false).baseUrl)} answered ${describeContentType(contentType)} where an OpenAI-compatible API streams events.`,
    );
  }
  return data;
}

/**
 * Streams one chat completion as the spec's parts. The timeout bounds the wait for the answer's
 * headers and then each silence between two chunks; the caller's signal aborts the request at any time
 * and ends the stream with `abort`. A failure before the first part rejects; one after it ends the
 * stream with `finish` `error`.
 */
export async function* streamOpenAIChat(
  call: OpenAICall,
  modelId: string,
  options: CallOptions,
): AsyncGenerator<StreamPart> {
  checkToolChoice(options);
  const abortSignal = options.abortSignal;
  const reader = new OpenAIChunkReader();
  if (abortSignal?.aborted) {
    yield abortPart(reader.usage);
    return;
  }
  const deadline = startDeadline(call.timeoutMs, abortSignal);
  let stream: AsyncIterable<ChatCompletionChunk>;
  try {
    stream = await openStream(call, modelId, options, deadline.signal);
  } catch (error) {
    deadline.stop();
    if (abortSignal?.aborted && !deadline.hasExpired) {
      yield abortPart(reader.usage);
      return;
    }
    throw toOpenAIProviderError(error, { ...call.failureContext(deadline.hasExpired), modelId });
  }

  let hasYielded = false;
  const stalled = () => `${displayUrl(call.failureContext(true).baseUrl)} sent nothing for ${call.timeoutMs} ms.`;
  try {
    for await (const chunk of stream) {
      // The clock stops while the caller holds a part: that time is not the provider's silence.
      deadline.stop();
      for (const part of reader.read(chunk)) {
        hasYielded = true;
        yield part;
      }
      deadline.restart();
    }
  } catch (error) {
    if (abortSignal?.aborted && !deadline.hasExpired) {
      yield abortPart(reader.usage);
      return;
    }
    if (!hasYielded) throw toOpenAIProviderError(error, { ...call.failureContext(deadline.hasExpired), modelId });
    yield {
      type: "finish",
      finishReason: "error",
      usage: reader.usage,
      error: deadline.hasExpired ? stalled() : describeOpenAIStreamFailure(error, call.failureContext(false)),
    };
    return;
  } finally {
    deadline.stop();
  }
  // The client ends the stream quietly when its request is aborted.
  if (abortSignal?.aborted && !deadline.hasExpired) {
    yield abortPart(reader.usage);
    return;
  }
  if (!reader.hasFinished) {
    const reason = deadline.hasExpired ? stalled() : "The stream ended before the reply was complete.";
    if (!hasYielded)
      throw toOpenAIProviderError(new UnexpectedAnswerError(reason), call.failureContext(deadline.hasExpired));
    yield { type: "finish", finishReason: "error", usage: reader.usage, error: reason };
    return;
  }
  yield* reader.finish();
}
