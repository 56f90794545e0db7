import { describeNetworkFailure, displayUrl, redact } from "../remote/describe-network-failure.ts";
import { UnexpectedAnswerError } from "../remote/unexpected-answer-error.ts";
import { NoSuchModelError } from "../spec/no-such-model-error.ts";
import { ProviderUnavailableError } from "../spec/provider-unavailable-error.ts";
import { OllamaStatusError } from "./ollama-fetch.ts";

/** What a failed call to Ollama needs to be told in a sentence. */
export interface OllamaFailureContext {
  providerId: string;
  host: string;
  apiKey: string | undefined;
  timeoutMs: number;
  /** Whether the call's own clock ran out (the caller's abort is handled before translating). */
  hasExpired: boolean;
  /** The model the call was for; a 404 then means the model is missing. */
  modelId?: string;
  knownModels?: readonly string[];
}

/** The ollama client's own words for a stream that ended without its last line. */
const INCOMPLETE_STREAM = "Did not receive done or success response in stream.";

function describeStatus(error: OllamaStatusError, context: OllamaFailureContext, where: string): string {
  if (error.status === 401 || error.status === 403)
    return context.apiKey
      ? `${where} refused the API key (${error.status}).`
      : `${where} asks for an API key (${error.status}).`;
  const detail = redact(error.message, context.apiKey);
  return `${where} answered ${error.status}${detail ? `: ${detail}` : ""}.`;
}

/** A short reason for any failure of a call to Ollama; it never holds the API key. */
export function describeOllamaFailure(error: unknown, context: OllamaFailureContext): string {
  const where = displayUrl(context.host);
  if (context.hasExpired) return `${where} did not answer within ${context.timeoutMs} ms.`;
  if (error instanceof UnexpectedAnswerError) return redact(`${where} ${error.message}`, context.apiKey);
  if (error instanceof OllamaStatusError) return describeStatus(error, context, where);
  if (error instanceof SyntaxError) return `${where} answered malformed JSON, not Ollama's API.`;
  if (error instanceof TypeError) return describeNetworkFailure(error, context.host);
  const message = error instanceof Error ? error.message : String(error);
  if (message === INCOMPLETE_STREAM) return `${where} ended its stream before the reply was complete.`;
  // Ollama reports a failure during a reply as a stream line {"error": "…"}; the client throws its text.
  return redact(`${where} reported: ${message}`, context.apiKey);
}

/**
 * Turns whatever a call to Ollama threw into the spec's errors: NoSuchModelError for a 404 about the
 * call's model, ProviderUnavailableError with a readable reason for the rest.
 */
export function toOllamaProviderError(error: unknown, context: OllamaFailureContext): Error {
  if (error instanceof OllamaStatusError && error.status === 404 && context.modelId)
    return new NoSuchModelError(context.modelId, context.knownModels ?? []);
  const isTransportFailure = error instanceof TypeError;
  return new ProviderUnavailableError(
    context.providerId,
    describeOllamaFailure(error, context),
    isTransportFailure ? { cause: error } : {},
  );
}
