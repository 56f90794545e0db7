/** @module Finds the model a completion names and makes sure its prompt fits the model's context. */
import type { Queryable } from "@hearth/db";
import {
  type LanguageModel,
  NoSuchModelError,
  ProviderUnavailableError,
  UnsupportedCallOptionError,
} from "@hearth/engine/spec";
import { type ConversationsProblem, conversationsProblems } from "../conversations/problems.ts";
import type { Logger } from "../logger.ts";
import type { ModelRegistry } from "../models/model-registry.ts";
import { readModelSettings, withCallDefaults } from "../models/settings/model-settings.ts";
import { type CommonProblem, fail, ok, type Result, validationFailed } from "../problems.ts";
import { type OpenAiApiProblem, openAiApiProblems } from "./problems.ts";
import { promptBytes, type RequestedCall } from "./to-call-options.ts";

export type ModelProblem = OpenAiApiProblem | ConversationsProblem | CommonProblem;

/** What a /v1 request asks of a model, in the words its client used. */
export interface CallTarget {
  /** The model as the request names it (qualified, or a bare local id). */
  model: string;
  /** The request field an option of the port's call came from, so a model's refusal names what was sent. */
  fieldOf(option: string): string;
  /** The request field that holds the prompt, named when it cannot fit. */
  promptField: string;
  /** Whether the model's system prompt joins a prompt without one (chats do; a raw text completion does not). */
  takesSystemPrompt: boolean;
}

export interface PreparedCompletion {
  model: LanguageModel;
  /** The qualified id (`local/tiny-chat`), whatever form the request named it in. */
  modelId: string;
  /** The reply's length: what the client asked for, at most what the context has room for. */
  maxOutputTokens: number;
  /** The call as it goes to the model: with the model's defaults for what the request left unset. */
  call: RequestedCall;
}

/**
 * The model to call and the reply's length. Refuses a prompt that leaves no room for a reply: first
 * by its bytes alone (a token stands for at most `maxTokenBytes` bytes), so a text that cannot fit
 * is never tokenized, then by counting its tokens, which stops once the count passes the context.
 */
export async function prepareCompletion(
  deps: { models: ModelRegistry; logger: Logger; db: Queryable },
  target: CallTarget,
  requested: RequestedCall,
  requestedMaxTokens: number | undefined,
): Promise<Result<PreparedCompletion, ModelProblem>> {
  let model: LanguageModel;
  let window: Awaited<ReturnType<LanguageModel["contextWindow"]>>;
  try {
    model = await deps.models.languageModel(target.model);
    window = await model.contextWindow();
  } catch (error) {
    const problem = await modelProblem(deps.models, target, error);
    if (problem === undefined) {
      // Loading the model failed (a broken file, too little memory): it cannot be used, for a reason.
      deps.logger.warn({ err: error, model: target.model }, "a model for /v1 failed to load");
      return fail(conversationsProblems.modelUnavailable(target.model, reasonOf(error)));
    }
    return fail(problem);
  }
  const modelId = `${model.provider}/${model.modelId}`;
  const defaults = await readModelSettings(deps.db, modelId);
  const call = withCallDefaults(requested, defaults, target.takesSystemPrompt);
  const maxTokens = requestedMaxTokens ?? defaults.sampling.maxOutputTokens ?? undefined;
  const { contextTokens, maxTokenBytes } = window;
  const tooLong = (tokens: number) =>
    fail(openAiApiProblems.contextLengthExceeded(modelId, tokens, contextTokens, target.promptField));
  const minimumTokens = Math.ceil(promptBytes(call) / maxTokenBytes);
  if (minimumTokens >= contextTokens) return tooLong(minimumTokens);
  const promptTokens = await window.countPromptTokens(call.prompt, contextTokens - 1);
  if (promptTokens >= contextTokens) return tooLong(promptTokens);
  const room = contextTokens - promptTokens;
  return ok({ model, modelId, maxOutputTokens: Math.min(maxTokens ?? room, room), call });
}

/**
 * The problem a model's failure to start is, for the errors the port defines (an unknown model, a
 * provider that cannot be reached, an option the model cannot honour); undefined for any other error.
 */
export async function modelProblem(
  models: ModelRegistry,
  target: CallTarget,
  error: unknown,
): Promise<ModelProblem | undefined> {
  if (error instanceof NoSuchModelError)
    return openAiApiProblems.unknownModel(target.model, await chatModelIds(models));
  if (error instanceof ProviderUnavailableError)
    return conversationsProblems.modelUnavailable(target.model, error.reason);
  if (error instanceof UnsupportedCallOptionError) {
    return validationFailed("body", [{ field: target.fieldOf(error.option), message: error.reason }]);
  }
  return undefined;
}

/** The qualified ids of the chat models that can be used now: what GET /v1/models lists. */
export async function chatModelIds(models: ModelRegistry): Promise<string[]> {
  const { models: listed } = await models.list();
  return listed.filter((model) => model.isAvailable && model.capabilities.chat).map((model) => model.id);
}

export function reasonOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 1000);
}
