/** @module One chat completion, from a validated request to OpenAI's answer: a whole reply or its stream. */
import { randomUUID } from "node:crypto";
import type { StreamPart } from "@hearth/engine/spec";
import type { Context } from "hono";
import { conversationsProblems } from "../conversations/problems.ts";
import type { AppEnv } from "../http/app-env.ts";
import { raise, unwrap } from "../problems.ts";
import type { ChatCompletionRequest } from "./chat-completion-request.ts";
import { collectCompletion } from "./collect-completion.ts";
import type { CompletionLease } from "./completion-leases.ts";
import { modelProblem, prepareCompletion } from "./prepare-completion.ts";
import { type CompletionHead, presentCompletion } from "./present-completion.ts";
import { type CompletionOutcome, streamChatCompletion } from "./stream-chat-completion.ts";
import { requestedMaxTokens, toCallOptions } from "./to-call-options.ts";

const EVENT_STREAM_HEADERS = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-cache",
  // nginx would otherwise hold the deltas back to fill its buffer.
  "X-Accel-Buffering": "no",
};

/**
 * Runs a completion the user was let in for, and releases `lease` once it stops generating. Failures
 * before the model's first part are HTTP errors (an unknown model, a provider that is down, a prompt
 * too long); later ones end the stream with an error event. A client that leaves aborts the generation.
 */
export async function runChatCompletion(
  c: Context<AppEnv>,
  request: ChatCompletionRequest,
  lease: CompletionLease,
): Promise<Response> {
  const { chat, clock, logger } = c.var;
  let isLeaseHandedOn = false;
  const controller = new AbortController();
  const clientSignal = c.req.raw.signal;
  const onClientGone = () => controller.abort(new Error("The client went away."));
  try {
    const call = toCallOptions(request);
    const maxTokens = requestedMaxTokens(request);
    const prepared = unwrap(await prepareCompletion({ models: chat.models, logger }, request, call, maxTokens));
    if (clientSignal.aborted) onClientGone();
    else clientSignal.addEventListener("abort", onClientGone, { once: true });
    const parts = prepared.model
      .doStream({ ...call, maxOutputTokens: prepared.maxOutputTokens, abortSignal: controller.signal })
      [Symbol.asyncIterator]();
    let first: IteratorResult<StreamPart>;
    try {
      first = await parts.next();
    } catch (error) {
      const problem = await modelProblem(chat.models, request, error);
      if (problem !== undefined) raise(problem);
      throw error;
    }
    if (!first.done && first.value.type === "finish" && first.value.finishReason === "error") {
      // Failed before writing anything: nothing is sent yet, so the client can still get a status.
      const reason = first.value.error ?? "it failed without a reason";
      logger.warn({ model: prepared.modelId, error: reason }, "chat completion failed");
      raise(conversationsProblems.modelUnavailable(prepared.modelId, reason));
    }
    const head: CompletionHead = {
      id: `chatcmpl-${randomUUID().replaceAll("-", "")}`,
      created: Math.floor(clock.now().getTime() / 1000),
      model: prepared.modelId,
    };
    const onEnd = async (outcome: CompletionOutcome) => {
      clientSignal.removeEventListener("abort", onClientGone);
      await lease.release();
      const line = { model: prepared.modelId, stream: request.stream === true, ...outcome };
      if (outcome.finishReason === "error") logger.warn(line, "chat completion failed");
      else logger.info(line, "chat completion finished");
    };
    if (request.stream === true) {
      isLeaseHandedOn = true;
      const includeUsage = request.stream_options?.include_usage === true;
      const stream = streamChatCompletion({ head, first, parts, includeUsage, abort: onClientGone, onEnd });
      return c.body(stream, 200, EVENT_STREAM_HEADERS);
    }
    const { text, toolCalls, outcome } = await collectCompletion(first, parts);
    isLeaseHandedOn = true;
    await onEnd(outcome);
    if (outcome.finishReason === "error") {
      raise(conversationsProblems.modelUnavailable(prepared.modelId, outcome.error ?? "it failed without a reason"));
    }
    const usage = outcome.usage ?? { inputTokens: 0, outputTokens: 0 };
    return c.json(presentCompletion(head, { text, toolCalls, finishReason: outcome.finishReason, usage }), 200);
  } finally {
    if (!isLeaseHandedOn) {
      clientSignal.removeEventListener("abort", onClientGone);
      await lease.release();
    }
  }
}
