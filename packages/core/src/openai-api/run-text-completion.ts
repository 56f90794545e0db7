/**
 * @module One legacy text completion: the prompt sent as one user message (the port has no raw
 * completion call), the reply as `text_completion` objects, whole or streamed.
 */
import { randomUUID } from "node:crypto";
import type { Context } from "hono";
import { conversationsProblems } from "../conversations/problems.ts";
import type { AppEnv } from "../http/app-env.ts";
import { raise } from "../problems.ts";
import type { Admission } from "./admit-model-call.ts";
import { collectCompletion } from "./collect-completion.ts";
import { type CompletionRequest, DEFAULT_MAX_TOKENS } from "./completion-request.ts";
import type { ModelCalls } from "./model-calls.ts";
import { type CompletionHead, presentStreamError, toOpenAiUsage } from "./present-completion.ts";
import { presentTextChunk, presentTextCompletion } from "./present-text-completion.ts";
import { readParts } from "./read-parts.ts";
import { DONE, EVENT_STREAM_HEADERS, eventStream } from "./server-sent-events.ts";
import { type ModelRun, startModelRun } from "./start-model-run.ts";
import type { RequestedCall } from "./to-call-options.ts";

const FIELDS: Record<string, string> = {
  prompt: "prompt",
  maxOutputTokens: "max_tokens",
  temperature: "temperature",
  topP: "top_p",
  seed: "seed",
  stopSequences: "stop",
};

/** The request in the words of the model port. */
function toCompletionCall(request: CompletionRequest): RequestedCall {
  const content = request.prompt === "" ? [] : [{ type: "text" as const, text: request.prompt }];
  const call: RequestedCall = { prompt: [{ role: "user", content }] };
  if (request.temperature != null) call.temperature = request.temperature;
  if (request.top_p != null) call.topP = request.top_p;
  if (request.seed != null) call.seed = request.seed;
  if (request.stop != null) call.stopSequences = typeof request.stop === "string" ? [request.stop] : request.stop;
  return call;
}

/** Runs a completion the user was let in for (see runChatCompletion for how failures are told). */
export async function runTextCompletion(
  c: Context<AppEnv>,
  request: CompletionRequest,
  options: { admission: Admission; calls: ModelCalls },
): Promise<Response> {
  const isStream = request.stream === true;
  const run = await startModelRun(c, {
    target: {
      model: request.model,
      fieldOf: (option) => FIELDS[option.split(/[.[]/)[0] ?? ""] ?? option,
      promptField: "prompt",
      takesSystemPrompt: false,
    },
    call: toCompletionCall(request),
    maxTokens: request.max_tokens ?? DEFAULT_MAX_TOKENS,
    ...options,
    label: "text completion",
    isStream,
  });
  const head: CompletionHead = {
    id: `cmpl-${randomUUID().replaceAll("-", "")}`,
    created: run.created,
    model: run.modelId,
  };
  if (isStream) {
    const includeUsage = request.stream_options?.include_usage === true;
    return c.body(streamTextCompletion(head, run, includeUsage), 200, EVENT_STREAM_HEADERS);
  }
  const { text, outcome } = await collectCompletion(run.first, run.parts);
  await run.end(outcome);
  if (outcome.finishReason === "error") {
    raise(conversationsProblems.modelUnavailable(run.modelId, outcome.error ?? "it failed without a reason"));
  }
  const usage = toOpenAiUsage(outcome.usage ?? { inputTokens: 0, outputTokens: 0 });
  return c.json(presentTextCompletion(head, { text, finishReason: outcome.finishReason, usage }), 200);
}

/** Text chunks, the last with `finish_reason`, the usage chunk where asked for, then `[DONE]`. */
function streamTextCompletion(head: CompletionHead, run: ModelRun, includeUsage: boolean) {
  return eventStream(async (send) => {
    const usageField = includeUsage ? null : undefined;
    const outcome = await readParts(run.first, run.parts, (part) => {
      if (part.type === "text-delta" && part.text !== "") {
        send(presentTextChunk(head, { text: part.text, finishReason: null }, usageField));
      }
    });
    await run.end(outcome);
    if (outcome.finishReason === "abort") return;
    if (outcome.finishReason === "error") {
      send(presentStreamError(`The model failed: ${outcome.error ?? "it gave no reason"}`));
      return;
    }
    send(presentTextChunk(head, { text: "", finishReason: outcome.finishReason }, usageField));
    if (includeUsage)
      send(presentTextChunk(head, undefined, toOpenAiUsage(outcome.usage ?? { inputTokens: 0, outputTokens: 0 })));
    send(DONE);
  }, run.abort);
}
