/**
 * @module One response of the Responses API, stateless: from a validated request to the `response`
 * object, or to its stream of events (`response.created`, `response.in_progress`, the output's events,
 * then `response.completed`, `response.incomplete` or `response.failed`, each with its `sequence_number`).
 */
import { randomUUID } from "node:crypto";
import type { Usage } from "@hearth/engine/spec";
import type { Context } from "hono";
import { conversationsProblems } from "../conversations/problems.ts";
import type { AppEnv } from "../http/app-env.ts";
import { raise, unwrap } from "../problems.ts";
import type { Admission } from "./admit-model-call.ts";
import type { ModelCalls } from "./model-calls.ts";
import { presentResponse, type ResponseHead, type ResponseState } from "./present-response.ts";
import { type CompletionOutcome, readParts } from "./read-parts.ts";
import type { ResponseRequest } from "./response-request.ts";
import { ResponseWriter } from "./response-writer.ts";
import { EVENT_STREAM_HEADERS, eventStream } from "./server-sent-events.ts";
import { type ModelRun, startModelRun } from "./start-model-run.ts";
import { type ExchangeTarget, type StoredReply, storeExchange, storeStreamedExchange } from "./stored-exchange.ts";
import type { RequestedCall } from "./to-call-options.ts";
import { toResponseField } from "./to-response-call.ts";

export interface ResponseCall {
  request: ResponseRequest;
  call: RequestedCall;
  admission: Admission;
  calls: ModelCalls;
  exchange: ExchangeTarget | undefined;
}

const NO_USAGE: Usage = { inputTokens: 0, outputTokens: 0 };

/** Runs a response the user was let in for (see runChatCompletion for how failures are told). */
export async function runResponse(c: Context<AppEnv>, options: ResponseCall): Promise<Response> {
  const { request, call, exchange } = options;
  const isStream = request.stream === true;
  const run = await startModelRun(c, {
    target: { model: request.model, fieldOf: toResponseField, promptField: "input", takesSystemPrompt: true },
    call,
    maxTokens: request.max_output_tokens ?? undefined,
    admission: options.admission,
    calls: options.calls,
    label: "response",
    isStream,
  });
  const head: ResponseHead = {
    id: `resp_${randomUUID().replaceAll("-", "")}`,
    createdAt: run.created,
    model: run.modelId,
    request,
  };
  if (isStream) return c.body(streamResponse(c, head, run, options), 200, EVENT_STREAM_HEADERS);
  const writer = new ResponseWriter(() => {});
  const outcome = await readParts(run.first, run.parts, (part) => writer.add(part));
  writer.finish(outcome.finishReason);
  await run.end(outcome);
  if (outcome.finishReason === "error") {
    raise(conversationsProblems.modelUnavailable(run.modelId, outcome.error ?? "it failed without a reason"));
  }
  if (exchange !== undefined) {
    unwrap(await storeExchange(c, exchange, call.prompt, toStoredReply(writer, outcome), run.modelId));
  }
  return c.json(presentResponse(head, endState(writer, outcome)), 200);
}

function streamResponse(c: Context<AppEnv>, head: ResponseHead, run: ModelRun, options: ResponseCall) {
  return eventStream(async (send) => {
    const writer = new ResponseWriter((event) => send(event, event.type));
    const snapshot = (state: ResponseState) => presentResponse(head, state);
    writer.send({ type: "response.created", response: snapshot({ status: "in_progress", output: [] }) });
    writer.send({ type: "response.in_progress", response: snapshot({ status: "in_progress", output: [] }) });
    const outcome = await readParts(run.first, run.parts, (part) => writer.add(part));
    writer.finish(outcome.finishReason);
    await run.end(outcome);
    if (outcome.finishReason === "abort") return;
    const failure =
      outcome.finishReason === "error"
        ? `The model failed: ${outcome.error ?? "it gave no reason"}`
        : await storeStreamedExchange(
            c,
            options.exchange,
            options.call.prompt,
            toStoredReply(writer, outcome),
            run.modelId,
          );
    if (failure !== undefined) {
      const state = { status: "failed" as const, output: writer.output, usage: outcome.usage, error: failure };
      writer.send({ type: "response.failed", response: snapshot(state) });
      return;
    }
    const state = endState(writer, outcome);
    writer.send({ type: `response.${state.status}`, response: snapshot(state) });
  }, run.abort);
}

function endState(writer: ResponseWriter, outcome: CompletionOutcome) {
  const status = outcome.finishReason === "length" ? ("incomplete" as const) : ("completed" as const);
  return { status, output: writer.output, usage: outcome.usage ?? NO_USAGE };
}

function toStoredReply(writer: ResponseWriter, outcome: CompletionOutcome): StoredReply {
  return {
    text: writer.text,
    toolCalls: writer.functionCalls.map((item) => ({
      id: item.call_id,
      type: "function" as const,
      function: { name: item.name, arguments: item.arguments },
    })),
    finishReason: outcome.finishReason,
    usage: outcome.usage,
  };
}
