/** @module One chat completion, from a validated request to OpenAI's answer: a whole reply or its stream. */
import { randomUUID } from "node:crypto";
import type { Context } from "hono";
import { conversationsProblems } from "../conversations/problems.ts";
import type { AppEnv } from "../http/app-env.ts";
import { raise, unwrap } from "../problems.ts";
import type { Admission } from "./admit-model-call.ts";
import type { ChatCompletionRequest } from "./chat-completion-request.ts";
import { type CollectedCompletion, collectCompletion } from "./collect-completion.ts";
import type { ModelCalls } from "./model-calls.ts";
import { type CompletionHead, presentCompletion } from "./present-completion.ts";
import { EVENT_STREAM_HEADERS } from "./server-sent-events.ts";
import { startModelRun } from "./start-model-run.ts";
import { type ExchangeTarget, storeExchange, storeStreamedExchange } from "./stored-exchange.ts";
import { streamChatCompletion } from "./stream-chat-completion.ts";
import { type RequestedCall, requestedMaxTokens } from "./to-call-options.ts";
import { toRequestField } from "./to-request-field.ts";

export interface ChatCompletionCall {
  request: ChatCompletionRequest;
  call: RequestedCall;
  admission: Admission;
  calls: ModelCalls;
  /** Where the exchange is stored, when the request's metadata names a conversation. */
  exchange: ExchangeTarget | undefined;
}

/**
 * Runs a completion the user was let in for, and releases its admission once it stops generating.
 * Failures before the model's first part are HTTP errors (an unknown model, a provider that is down, a
 * prompt too long); later ones end the stream with an error event. A client that leaves aborts the generation.
 */
export async function runChatCompletion(c: Context<AppEnv>, options: ChatCompletionCall): Promise<Response> {
  const { request, call, exchange } = options;
  const run = await startModelRun(c, {
    target: {
      model: request.model,
      fieldOf: (option) => toRequestField(option, request),
      promptField: "messages",
      takesSystemPrompt: true,
    },
    call,
    maxTokens: requestedMaxTokens(request),
    admission: options.admission,
    calls: options.calls,
    label: "chat completion",
    isStream: request.stream === true,
  });
  const head: CompletionHead = {
    id: `chatcmpl-${randomUUID().replaceAll("-", "")}`,
    created: run.created,
    model: run.modelId,
  };
  if (request.stream === true) {
    const includeUsage = request.stream_options?.include_usage === true;
    const onEnd = async (reply: CollectedCompletion) => {
      await run.end(reply.outcome);
      return storeStreamedExchange(c, exchange, call.prompt, toStoredReply(reply), run.modelId);
    };
    return c.body(streamChatCompletion({ head, run, includeUsage, onEnd }), 200, EVENT_STREAM_HEADERS);
  }
  // Never rejects: a provider that throws ends the reply as an error.
  const reply = await collectCompletion(run.first, run.parts);
  await run.end(reply.outcome);
  const { text, toolCalls, logprobs, outcome } = reply;
  if (outcome.finishReason === "error") {
    raise(conversationsProblems.modelUnavailable(run.modelId, outcome.error ?? "it failed without a reason"));
  }
  if (exchange !== undefined) unwrap(await storeExchange(c, exchange, call.prompt, toStoredReply(reply), run.modelId));
  const usage = outcome.usage ?? { inputTokens: 0, outputTokens: 0 };
  return c.json(presentCompletion(head, { text, toolCalls, logprobs, finishReason: outcome.finishReason, usage }), 200);
}

function toStoredReply(reply: CollectedCompletion) {
  return {
    text: reply.text,
    toolCalls: reply.toolCalls,
    finishReason: reply.outcome.finishReason,
    usage: reply.outcome.usage,
  };
}
