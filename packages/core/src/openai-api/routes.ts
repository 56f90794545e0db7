/**
 * @module The OpenAI-compatible API under /v1, for the clients and SDKs made for OpenAI: models, chat
 * and text completions, embeddings and responses. Stateless, except that a chat completion or a
 * response whose `metadata` names a conversation stores its exchange there. Errors come out in
 * OpenAI's shape (apps/server renders every problem under /v1 so).
 */
import { createRoute, z } from "@hono/zod-openapi";
import { requireUser } from "../accounts/authenticate.ts";
import { conversationsProblems } from "../conversations/problems.ts";
import { createRouter } from "../http/create-router.ts";
import { jsonBody, jsonContent, problems } from "../http/route-helpers.ts";
import type { RegistryModel } from "../models/model-registry.ts";
import { raise } from "../problems.ts";
import { admitModelCall, callerLimits } from "./admit-model-call.ts";
import { ChatCompletionRequest } from "./chat-completion-request.ts";
import { CompletionRequest } from "./completion-request.ts";
import { createEmbeddings } from "./create-embeddings.ts";
import { EmbeddingRequest, MAX_INPUTS } from "./embedding-request.ts";
import type { ModelCalls } from "./model-calls.ts";
import { chatModelIds } from "./prepare-completion.ts";
import { openAiApiProblems } from "./problems.ts";
import { ResponseRequest } from "./response-request.ts";
import { runChatCompletion } from "./run-chat-completion.ts";
import { runResponse } from "./run-response.ts";
import { runTextCompletion } from "./run-text-completion.ts";
import {
  ChatCompletion,
  EmbeddingList,
  OpenAiModel,
  OpenAiModelList,
  ResponseObject,
  TextCompletion,
} from "./schema.ts";
import { sendToHolder } from "./send-to-holder.ts";
import { findExchangeTarget } from "./stored-exchange.ts";
import { toCallOptions } from "./to-call-options.ts";
import { toResponseCall } from "./to-response-call.ts";

const tags = ["openai"];
const security = [{ sessionCookie: [] }, { bearerApiKey: [] }];
const LIMITS =
  "Each call counts against `messagesPerMinute` and the caller's rate-limit profile (see RateLimit-Policy), and a " +
  "user may have `chat.maxRepliesInProgress` running at once. " +
  "Unknown fields are ignored. Disconnecting stops the model.";
/** What a model call can be refused with: the caller's limits, and the model. */
const MODEL_CALL_PROBLEMS = [
  "limit-exceeded",
  "quota-exceeded",
  "too-many-completions",
  "unknown-model",
  "model-unavailable",
  "context-length-exceeded",
] as const;
/** What storing the exchange in the conversation `metadata` names can be refused with (see record-exchange.ts). */
const EXCHANGE_PROBLEMS = [
  "conversation-not-found",
  "storage-quota-exceeded",
  "reply-in-progress",
  "message-not-found",
  "wrong-message-role",
] as const;
const STORED =
  "With `metadata.hearth_conversation_id` (one of your conversations; another's is not found) the last user " +
  "message and the reply are stored there under its active message, within your storage quota.";

const streamed = (description: string, schema: z.ZodType) => ({
  description,
  content: { "application/json": { schema }, "text/event-stream": { schema: z.string() } },
});

const listModels = createRoute({
  method: "get",
  path: "/v1/models",
  tags,
  summary: "The chat models that can be used now (OpenAI-compatible)",
  middleware: requireUser,
  security,
  responses: { 200: jsonContent(OpenAiModelList, "Models") },
});

// Documented here; served by a route that takes the rest of the path, since ids hold a "/".
const retrieveModel = createRoute({
  method: "get",
  path: "/v1/models/{id}",
  tags,
  summary: "One chat model (OpenAI-compatible)",
  description:
    "The id is qualified (`local/tiny-chat`); its `/` may be sent as is or as `%2F`. A bare id names a local model.",
  security,
  request: { params: z.object({ id: z.string() }) },
  responses: { 200: jsonContent(OpenAiModel, "The model") },
  ...problems("unknown-model", "model-unavailable"),
});

const chatCompletions = createRoute({
  method: "post",
  path: "/v1/chat/completions",
  tags,
  summary: "Write a reply to a conversation given in full (OpenAI-compatible)",
  description:
    "With `stream: true` the reply comes as server-sent `chat.completion.chunk`s, then `data: [DONE]`; a failure " +
    'after the first chunk comes as a `data: {"error": …}` event that ends the stream. `n` must be 1. ' +
    `${LIMITS} ${STORED}`,
  middleware: requireUser,
  security,
  request: { body: jsonBody(ChatCompletionRequest) },
  responses: { 200: streamed("The reply, or its stream of chunks", ChatCompletion) },
  ...problems(...MODEL_CALL_PROBLEMS, ...EXCHANGE_PROBLEMS),
});

const completions = createRoute({
  method: "post",
  path: "/v1/completions",
  tags,
  summary: "Complete a text (OpenAI's legacy completions)",
  description:
    "The prompt is sent to the model as one user message, so the model's chat template applies: Hearth's models " +
    "are called through a chat interface, which has no raw completion. `max_tokens` is 16 when absent, as at " +
    "OpenAI. `echo`, `logprobs`, `suffix`, and `n` or `best_of` other than 1 are refused; token-array prompts too. " +
    `With \`stream: true\` the text comes as \`text_completion\` chunks, then \`data: [DONE]\`. ${LIMITS}`,
  middleware: requireUser,
  security,
  request: { body: jsonBody(CompletionRequest) },
  responses: { 200: streamed("The completion, or its stream of chunks", TextCompletion) },
  ...problems(...MODEL_CALL_PROBLEMS),
});

const embeddings = createRoute({
  method: "post",
  path: "/v1/embeddings",
  tags,
  summary: "Embed texts (OpenAI-compatible)",
  description:
    `One vector per input, in order; up to ${MAX_INPUTS} inputs, each within the model's context (one that is not ` +
    "is refused, naming its index). `encoding_format: base64` gives each vector's little-endian float32 bytes. " +
    `\`dimensions\` is accepted only as the model's width. Token arrays are refused. ${LIMITS}`,
  middleware: requireUser,
  security,
  request: { body: jsonBody(EmbeddingRequest) },
  responses: { 200: jsonContent(EmbeddingList, "The vectors") },
  ...problems(...MODEL_CALL_PROBLEMS),
});

const responses = createRoute({
  method: "post",
  path: "/v1/responses",
  tags,
  summary: "Write a response (OpenAI's Responses API, stateless)",
  description:
    "Input as a string or items (messages with text, `function_call`, `function_call_output`), `instructions`, " +
    "function tools, `tool_choice`, `text.format` (JSON output). Nothing is stored for later requests: " +
    "`previous_response_id`, `conversation` and `background` are refused. With `stream: true` the response comes " +
    "as OpenAI's events: `response.created`, `response.in_progress`, the output's events, then " +
    `\`response.completed\` (\`response.incomplete\` at \`max_output_tokens\`, \`response.failed\`). ${LIMITS} ${STORED}`,
  middleware: requireUser,
  security,
  request: { body: jsonBody(ResponseRequest) },
  responses: { 200: streamed("The response, or its stream of events", ResponseObject) },
  ...problems(...MODEL_CALL_PROBLEMS, ...EXCHANGE_PROBLEMS),
});

/** The routes, with `calls` counting their model calls. */
export function openAiRoutes(calls: ModelCalls) {
  const router = createRouter()
    .openapi(listModels, async (c) => {
      const { models } = await c.var.chat.models.list();
      const data = models.filter((model) => model.isAvailable && model.capabilities.chat).map(presentModel);
      return c.json({ object: "list" as const, data }, 200);
    })
    // A Response of either kind (JSON or a stream), which the typed routes cannot spell: `as never`.
    .openapi(chatCompletions, async (c) => {
      const request = c.req.valid("json");
      const sent = await sendToHolder(c, request.model);
      if (sent !== undefined) return sent as never;
      const caller = await callerLimits(c);
      const call = toCallOptions(request);
      const exchange = await findExchangeTarget(c, caller, request.metadata, call.prompt);
      const admission = await admitModelCall(c, calls, caller);
      return (await runChatCompletion(c, { request, call, admission, calls, exchange })) as never;
    })
    .openapi(completions, async (c) => {
      const request = c.req.valid("json");
      const sent = await sendToHolder(c, request.model);
      if (sent !== undefined) return sent as never;
      const admission = await admitModelCall(c, calls, await callerLimits(c));
      return (await runTextCompletion(c, request, { admission, calls })) as never;
    })
    .openapi(embeddings, async (c) => {
      const request = c.req.valid("json");
      const sent = await sendToHolder(c, request.model);
      if (sent !== undefined) return sent as never;
      const admission = await admitModelCall(c, calls, await callerLimits(c));
      return (await createEmbeddings(c, request, admission)) as never;
    })
    .openapi(responses, async (c) => {
      const request = c.req.valid("json");
      const sent = await sendToHolder(c, request.model);
      if (sent !== undefined) return sent as never;
      const caller = await callerLimits(c);
      const call = toResponseCall(request);
      const exchange = await findExchangeTarget(c, caller, request.metadata, call.prompt);
      const admission = await admitModelCall(c, calls, caller);
      return (await runResponse(c, { request, call, admission, calls, exchange })) as never;
    });
  router.openAPIRegistry.registerPath(retrieveModel);
  router.get("/v1/models/:id{.+}", requireUser, async (c) => {
    const id = c.req.param("id");
    const model = await c.var.chat.models.find(id);
    if (model === undefined || !model.capabilities.chat) {
      raise(openAiApiProblems.unknownModel(id, await chatModelIds(c.var.chat.models)));
    }
    if (!model.isAvailable) {
      raise(conversationsProblems.modelUnavailable(model.id, model.unavailableReason ?? "unknown"));
    }
    return c.json(presentModel(model), 200);
  });
  return router;
}

function presentModel(model: RegistryModel) {
  // Providers do not say when a model was made: 0 rather than a date that means nothing.
  return { id: model.id, object: "model" as const, created: 0, owned_by: model.provider };
}
