/**
 * @module Starts a /v1 model call let in under the caller's limits: the model found and its prompt
 * checked, the client's disconnect wired to an abort, and the first part read, so a model that fails
 * at once is an HTTP error. Completions, chat completions and responses share it.
 */
import type { StreamPart } from "@hearth/engine/spec";
import type { Context } from "hono";
import { currentPrincipal } from "../accounts/authenticate.ts";
import { conversationsProblems } from "../conversations/problems.ts";
import type { AppEnv } from "../http/app-env.ts";
import { raise, unwrap } from "../problems.ts";
import { recordUsage } from "../usage/record-usage.ts";
import type { Admission } from "./admit-model-call.ts";
import type { ModelCalls } from "./model-calls.ts";
import { type CallTarget, modelProblem, prepareCompletion } from "./prepare-completion.ts";
import type { CompletionOutcome } from "./read-parts.ts";
import type { RequestedCall } from "./to-call-options.ts";

export interface ModelRunOptions {
  target: CallTarget;
  call: RequestedCall;
  /** The longest reply the client asked for. */
  maxTokens: number | undefined;
  admission: Admission;
  calls: ModelCalls;
  /** What the log calls this kind of call: "chat completion", "text completion", "response". */
  label: string;
  isStream: boolean;
}

/** How a call ended, as the usage ledger words it (as replies' statuses do). */
const STATUS_OF: Record<CompletionOutcome["finishReason"], string> = {
  stop: "done",
  length: "done",
  "tool-calls": "done",
  abort: "cancelled",
  error: "error",
};

/** A call whose model has written its first part (or ended). */
export interface ModelRun {
  /** The qualified model id. */
  modelId: string;
  /** Unix seconds. */
  created: number;
  first: IteratorResult<StreamPart>;
  parts: AsyncIterator<StreamPart>;
  /** Stops the generation: the client went away. */
  abort(): void;
  /** Once the model has stopped: logs the call, counts its tokens and frees its slot. Only the first call counts. */
  end(outcome: CompletionOutcome): Promise<void>;
}

/**
 * Starts the call. Raises the problem of a model that cannot be found, reached or used for the
 * request, or of a prompt too long; the admission is released then. Otherwise the caller must `end` the run.
 */
export async function startModelRun(c: Context<AppEnv>, options: ModelRunOptions): Promise<ModelRun> {
  const { chat, clock, logger } = c.var;
  const { target, call, admission } = options;
  const startedAt = clock.now();
  const controller = new AbortController();
  const clientSignal = c.req.raw.signal;
  const onClientGone = () => controller.abort(new Error("The client went away."));
  let ended: Promise<void> | undefined;
  const release = () => {
    clientSignal.removeEventListener("abort", onClientGone);
    return admission.release();
  };
  try {
    const prepared = unwrap(
      await prepareCompletion({ models: chat.models, logger, db: c.var.db }, target, call, options.maxTokens),
    );
    if (clientSignal.aborted) onClientGone();
    else clientSignal.addEventListener("abort", onClientGone, { once: true });
    const parts = prepared.model
      .doStream({ ...prepared.call, maxOutputTokens: prepared.maxOutputTokens, abortSignal: controller.signal })
      [Symbol.asyncIterator]();
    let first: IteratorResult<StreamPart>;
    try {
      first = await parts.next();
    } catch (error) {
      const problem = await modelProblem(chat.models, target, error);
      if (problem !== undefined) raise(problem);
      throw error;
    }
    if (!first.done && first.value.type === "finish" && first.value.finishReason === "error") {
      // Failed before writing anything: nothing is sent yet, so the client can still get a status.
      const reason = first.value.error ?? "it failed without a reason";
      logger.warn({ model: prepared.modelId, error: reason }, `${options.label} failed`);
      raise(conversationsProblems.modelUnavailable(prepared.modelId, reason));
    }
    const firstTokenAt = first.done || first.value.type === "finish" ? undefined : clock.now();
    return {
      modelId: prepared.modelId,
      created: Math.floor(clock.now().getTime() / 1000),
      first,
      parts,
      abort: onClientGone,
      end(outcome) {
        ended ??= (async () => {
          await release();
          options.calls.tokensGenerated(prepared.modelId, outcome.usage?.outputTokens ?? 0);
          const principal = currentPrincipal(c);
          await recordUsage(c.var.db, {
            userId: principal.user.id,
            apiKeyId: principal.via === "api-key" ? principal.apiKeyId : undefined,
            source: "api",
            model: prepared.modelId,
            status: STATUS_OF[outcome.finishReason],
            promptTokens: outcome.usage?.inputTokens ?? 0,
            completionTokens: outcome.usage?.outputTokens ?? 0,
            startedAt,
            firstTokenAt,
            endedAt: clock.now(),
          }).catch((error: unknown) => logger.warn({ err: error }, "recording a call's usage failed"));
          const line = { model: prepared.modelId, stream: options.isStream, ...outcome };
          if (outcome.finishReason === "error") logger.warn(line, `${options.label} failed`);
          else logger.info(line, `${options.label} finished`);
        })();
        return ended;
      },
    };
  } catch (error) {
    await release();
    throw error;
  }
}
