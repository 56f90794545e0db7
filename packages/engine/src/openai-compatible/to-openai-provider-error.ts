import { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import { describeNetworkFailure, displayUrl, redact } from "../remote/describe-network-failure.ts";
import { UnexpectedAnswerError } from "../remote/unexpected-answer-error.ts";
import { NoSuchModelError } from "../spec/no-such-model-error.ts";
import { ProviderUnavailableError } from "../spec/provider-unavailable-error.ts";

/** What a failed call to an OpenAI-compatible API needs to be told in a sentence. */
export interface OpenAIFailureContext {
  providerId: string;
  baseUrl: string;
  apiKey: string | undefined;
  timeoutMs: number;
  /** Whether the call's own clock ran out (the caller's abort is handled before translating). */
  hasExpired: boolean;
  /** The model the call was for; a 404 then means the model, not the API, is missing. */
  modelId?: string;
  knownModels?: readonly string[];
}

const MAX_DETAIL_LENGTH = 300;

function describeStatus(error: APIError, context: OpenAIFailureContext, where: string): string {
  const status = error.status;
  const detail = redact(error.message.replace(/^\d{3}\s*/, ""), context.apiKey).slice(0, MAX_DETAIL_LENGTH);
  // An error event inside a stream carries no status.
  if (status === undefined) return `${where} reported: ${detail}`;
  if (status === 401 || status === 403)
    // Servers echo (parts of) a wrong key in their message, so theirs is left out.
    return context.apiKey ? `${where} refused the API key (${status}).` : `${where} asks for an API key (${status}).`;
  if (status === 404)
    return `${where} has no such endpoint (404): check that the base URL is the API's (often ending in /v1).`;
  if (status === 429) return `${where} is limiting the rate of requests (429); try again later.`;
  return `${where} answered ${status}${detail ? `: ${detail}` : ""}.`;
}

function describe(error: unknown, context: OpenAIFailureContext): string {
  const where = displayUrl(context.baseUrl);
  if (context.hasExpired || error instanceof APIConnectionTimeoutError)
    return `${where} did not answer within ${context.timeoutMs} ms.`;
  if (error instanceof UnexpectedAnswerError) return redact(error.message, context.apiKey);
  if (error instanceof APIConnectionError) return describeNetworkFailure(error.cause ?? error, context.baseUrl);
  if (error instanceof APIError) return describeStatus(error, context, where);
  if (error instanceof SyntaxError) return `${where} answered malformed JSON, not an OpenAI-compatible API.`;
  if (error instanceof TypeError) return describeNetworkFailure(error, context.baseUrl);
  return redact(`${where} failed: ${error instanceof Error ? error.message : String(error)}`, context.apiKey);
}

/**
 * Turns whatever the openai client threw into the spec's errors: NoSuchModelError for a model the
 * server does not have, ProviderUnavailableError with a readable reason for the rest. The API key
 * never appears in the message, and the client's error is kept as the cause only where it carries
 * no text from the server.
 */
export function toOpenAIProviderError(error: unknown, context: OpenAIFailureContext): Error {
  if (error instanceof APIError && error.status === 404 && context.modelId)
    return new NoSuchModelError(context.modelId, context.knownModels ?? []);
  const reason = describe(error, context);
  const isTransportFailure = error instanceof APIConnectionError || error instanceof TypeError;
  return new ProviderUnavailableError(context.providerId, reason, isTransportFailure ? { cause: error } : {});
}

/** A short reason for a failure after the reply began: it ends the stream as `finish` `error`. */
export function describeOpenAIStreamFailure(error: unknown, context: OpenAIFailureContext): string {
  return describe(error, context);
}
